// Which TensorFlow.js backend runs the models, and why.
//
// Order, fastest first: tfjs-node-gpu, tfjs-node, WebGPU, wasm, then the pure-JS cpu backend. The speed
// differences are large (on a 2-core CPU, one training step: tfjs-node ~40 GFLOP/s, wasm a few, cpu 0.04),
// and npm silently drops tfjs-node wherever its install step cannot download libtensorflow. So the choice
// is printed once, with the reason each faster backend is not used, and `nasfpn doctor` says how to get it.
//
// Everything here loads TensorFlow.js lazily: importing this module costs nothing until a function runs.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TF from '@tensorflow/tfjs';
import { BackendUnavailableError, UnknownBackendError } from './errors.js';

export type Tfjs = typeof TF;

/** User-facing backend names, fastest first. */
export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The name tfjs itself registers each backend under (both tfjs-node packages register 'tensorflow'). */
export const TFJS_NAME: Record<BackendName, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

const ALIASES: Record<string, BackendName> = {
  tensorflow: 'tfjs-node',
  node: 'tfjs-node',
  'node-gpu': 'tfjs-node-gpu',
  gpu: 'webgpu',
};

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is not available (short, fits on the printed line); for an available one, what it is. */
  reason: string;
  /** More about the reason, where there is more (e.g. the GPU driver's own message). */
  detail?: string;
  /** The one command that makes it available, where one does (e.g. an install step that did not run). */
  fix?: string;
}

export interface BackendChoice {
  /** The backend that runs. */
  name: BackendName;
  /** Its tfjs name, as `tf.getBackend()` reports it. */
  tfName: string;
  /** Why this one: the fastest available, or requested. */
  why: string;
  /** The faster backends that were not used, each with its reason (empty when the fastest one runs). */
  skipped: { name: BackendName; reason: string }[];
  /** The line printed when the backend was chosen. */
  line: string;
}

export interface InitOptions {
  /** Where the one line about the choice goes (default: stderr, so that stdout stays clean for data). */
  log?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------------
// Loading

const requireHere = createRequire(import.meta.url);

/** Resolves a package from wherever this code runs (src/ under vitest, dist/ in the bundled CLI). */
function resolvePackage(specifier: string): string | null {
  try {
    return requireHere.resolve(specifier);
  } catch {
    return null;
  }
}

let tfPromise: Promise<Tfjs> | null = null;

/** TensorFlow.js itself, loaded once, with the cpu backend's gradient fixes registered (gradients/). */
export function loadTf(): Promise<Tfjs> {
  tfPromise ??= (async () => {
    const tf = (await import('@tensorflow/tfjs')) as Tfjs;
    const { registerReplacementGradients, registerReplacementKernels } = await import('./gradients/index.js');
    registerReplacementKernels(tf, 'cpu');
    registerReplacementGradients(tf);
    return tf;
  })();
  return tfPromise;
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';

// ---------------------------------------------------------------------------------------------------
// Probing: can a backend run here? Each probe loads what it needs; a successful probe leaves the backend
// registered with tfjs (not selected). Each backend is probed once per process (probe() keeps the answer).

/** Available: what the backend is. Not: `reason` is short (it goes on the printed line), `detail` adds what doctor shows (e.g. Dawn's own message). */
type ProbeResult = { ok: true; what: string } | { ok: false; reason: string; detail?: string; fix?: string };

/** Which tfjs-node package, if any, is loaded into this process (they cannot both be). */
let nodePackageLoaded: 'tfjs-node' | 'tfjs-node-gpu' | null = null;

async function probeTfjsNode(pkg: 'tfjs-node' | 'tfjs-node-gpu'): Promise<ProbeResult> {
  if (nodePackageLoaded && nodePackageLoaded !== pkg) {
    return { ok: false, reason: `${nodePackageLoaded} is loaded instead (both provide the same 'tensorflow' backend)` };
  }
  const entry = resolvePackage(`@tensorflow/${pkg}`);
  if (!entry) return { ok: false, reason: `${pkg} is not installed` };
  // With --ignore-scripts (or a package manager that blocks install scripts), the package is there but its
  // native addon is not: its install step, the download, did not run. Importing it anyway would register all
  // of its kernels before it throws, so look for the addon first.
  const packageDir = join(dirname(entry), '..');
  if (!hasNativeAddon(packageDir)) {
    return {
      ok: false, reason: `${pkg} is installed without its native addon`, detail: `no tfjs_binding.node under ${join(packageDir, 'lib')}`,
      fix: `npm rebuild @tensorflow/${pkg}`,
    };
  }
  const tf = await loadTf();
  const prod = tf.env().getBool('PROD');
  try {
    // A tfjs-node-gpu that failed (no CUDA) has registered the same 'tensorflow' kernels that tfjs-node
    // registers again: PROD mode keeps tfjs from warning about each of them.
    tf.env().set('PROD', true);
    // TensorFlow's C++ start-up notes (CPU features) would land in every command's output. (Its oneDNN
    // note comes through absl before TensorFlow reads this, and cannot be silenced from here.)
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    await import(pathToFileURL(entry).href);
  } catch (error) {
    // Anything it throws means "not usable here".
    return { ok: false, reason: `${pkg} is installed but does not load`, detail: firstLine(error) };
  } finally {
    tf.env().set('PROD', prod);
  }
  nodePackageLoaded = pkg;
  // TensorFlow's fused ops that tfjs-node does not expose (fused batch norm in training, ReluGrad).
  const { registerTensorflowKernels } = await import('./gradients/tensorflow-ops.js');
  registerTensorflowKernels(tf);
  return { ok: true, what: `TensorFlow C library through @tensorflow/${pkg}` };
}

function hasNativeAddon(packageDir: string): boolean {
  const lib = join(packageDir, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
}

/**
 * WebGPU through the `webgpu` package (Dawn). The adapter is requested in a child process first: without a
 * GPU, Dawn prints warnings straight to stderr (e.g. "Couldn't load Vulkan"), which would otherwise land in
 * every command's output; in the child they become the reason. Only with an adapter is navigator.gpu
 * installed here and the tfjs backend imported (installing it without one leaves tfjs reporting 'webgpu'
 * while every op throws).
 */
async function probeWebgpu(): Promise<ProbeResult> {
  const dawn = resolvePackage('webgpu');
  const backendEntry = resolvePackage('@tensorflow/tfjs-backend-webgpu');
  if (!dawn || !backendEntry) {
    return { ok: false, reason: `${!dawn ? 'the webgpu package' : '@tensorflow/tfjs-backend-webgpu'} is not installed` };
  }
  const adapter = await requestAdapterInChild(dawn);
  if (!adapter.found) return { ok: false, reason: 'no GPU adapter', detail: adapter.why || undefined };
  try {
    const { create, globals } = await import(pathToFileURL(dawn).href);
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    await loadTf();
    await import(pathToFileURL(backendEntry).href);
  } catch (error) {
    return { ok: false, reason: `WebGPU does not load (${firstLine(error)})` };
  }
  return { ok: true, what: `WebGPU on ${adapter.description}` };
}

function requestAdapterInChild(dawnEntry: string): Promise<{ found: true; description: string } | { found: false; why: string }> {
  const script = `
    const { create } = await import(${JSON.stringify(pathToFileURL(dawnEntry).href)});
    const adapter = await create([]).requestAdapter();
    const info = adapter ? (adapter.info ?? {}) : null;
    process.stdout.write(JSON.stringify(info && [info.vendor, info.architecture, info.description].filter(Boolean).join(' ')));
    process.exit(0);`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, stdout, stderr) => {
      let description: string | null = null;
      try {
        description = JSON.parse(stdout);
      } catch {
        // no output: the child failed before answering; its stderr says why
      }
      if (description !== null) return resolve({ found: true, description: description || 'a GPU adapter' });
      const dawnSays = stderr.split('\n').map((l) => l.trim()).find((l) => /warning|error/i.test(l));
      const why = dawnSays ? dawnSays.replace(/^(Warning|Error):\s*/i, '') : error ? firstLine(error) : '';
      resolve({ found: false, why });
    });
  });
}

async function probeWasm(): Promise<ProbeResult> {
  const entry = resolvePackage('@tensorflow/tfjs-backend-wasm');
  if (!entry) return { ok: false, reason: '@tensorflow/tfjs-backend-wasm is not installed' };
  // The .wasm binaries sit beside the package's entry file (dist/). Point tfjs at them explicitly, so the
  // bundled CLI in dist/ finds them in node_modules rather than next to itself.
  const binaries = dirname(entry);
  if (!existsSync(join(binaries, 'tfjs-backend-wasm-simd.wasm'))) {
    return { ok: false, reason: `the wasm binaries are missing from ${binaries}` };
  }
  const tf = await loadTf();
  try {
    const wasm = await import(pathToFileURL(entry).href);
    (wasm.setWasmPaths ?? wasm.default?.setWasmPaths)(binaries + '/');
  } catch (error) {
    return { ok: false, reason: `the wasm backend does not load (${firstLine(error)})` };
  }
  if (!tf.findBackendFactory('wasm')) return { ok: false, reason: 'the wasm backend did not register' };
  // The backward kernels that make wasm train (and train fast); see gradients/index.ts.
  const { registerReplacementKernels } = await import('./gradients/index.js');
  registerReplacementKernels(tf, 'wasm');
  return { ok: true, what: 'WebAssembly with SIMD, one thread' };
}

async function probeCpu(): Promise<ProbeResult> {
  await loadTf();
  return { ok: true, what: 'pure JavaScript, for tiny inputs only' };
}

const probed = new Map<BackendName, Promise<ProbeResult>>();

function probe(name: BackendName): Promise<ProbeResult> {
  let result = probed.get(name);
  if (!result) {
    result = runProbe(name);
    probed.set(name, result);
  }
  return result;
}

function runProbe(name: BackendName): Promise<ProbeResult> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return probeTfjsNode(name);
    case 'webgpu':
      return probeWebgpu();
    case 'wasm':
      return probeWasm();
    case 'cpu':
      return probeCpu();
  }
}

/** Makes a probed backend the current one; false when tfjs cannot initialise it. */
async function activate(tf: Tfjs, name: BackendName): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    if (!(await tf.setBackend(TFJS_NAME[name]))) return { ok: false, reason: `${name} failed to initialise` };
    await tf.ready();
  } catch (error) {
    return { ok: false, reason: `${name} failed to initialise (${firstLine(error)})` };
  }
  if (name === 'cpu') {
    // The cpu backend warns on first use that Node.js should use tfjs-node; the line printed by
    // initBackend already says so and points at `nasfpn doctor`, so keep tfjs's banner out of the output.
    const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (cpu) cpu.firstUse = false;
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------------
// Public API

/** Parses a --backend value (or NASFPN_BACKEND); 'auto' and undefined mean "the fastest available". */
export function parseBackendName(value: string | undefined): BackendName | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  const lower = value.toLowerCase();
  if ((BACKENDS as readonly string[]).includes(lower)) return lower as BackendName;
  if (Object.hasOwn(ALIASES, lower)) return ALIASES[lower];
  throw new UnknownBackendError(`unknown backend '${value}' (choose from auto, ${BACKENDS.join(', ')})`);
}

/** Every backend, probed in order, each with whether it is available here and why not. */
export async function availableBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of BACKENDS) {
    const result = await probe(name);
    probes.push(result.ok
      ? { name, available: true, reason: result.what }
      : { name, available: false, reason: result.reason, ...(result.detail ? { detail: result.detail } : {}), ...(result.fix ? { fix: result.fix } : {}) });
  }
  return probes;
}

/** Selects a backend (already probed as available) as the current one, for doctor and tests. */
export async function useBackend(name: BackendName): Promise<Tfjs> {
  const tf = await loadTf();
  const result = await probe(name);
  if (!result.ok) throw new BackendUnavailableError(`backend ${name} is not available: ${result.reason}`);
  const activated = await activate(tf, name);
  if (!activated.ok) throw new BackendUnavailableError(`backend ${name} is not available: ${activated.reason}`);
  return tf;
}

let current: { request: string; choice: BackendChoice } | null = null;
let printed = false;

/**
 * Chooses and activates the backend: `requested` (a --backend value) if given, else NASFPN_BACKEND, else the
 * fastest one available. Prints one line about the choice, once per process. Throws UnknownBackendError for an
 * unknown name and BackendUnavailableError when the requested backend cannot run here.
 */
export async function initBackend(requested?: string, opts: InitOptions = {}): Promise<BackendChoice> {
  const fromEnv = requested === undefined || requested === '' ? process.env.NASFPN_BACKEND : undefined;
  const wanted = parseBackendName(requested ?? fromEnv);
  const tf = await loadTf();
  if (current && current.request === wanted && tf.getBackend() === current.choice.tfName) return current.choice;

  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const skipped: BackendChoice['skipped'] = [];
  let choice: BackendChoice | null = null;
  if (wanted !== 'auto') {
    const result = await probe(wanted);
    const activated = result.ok ? await activate(tf, wanted) : result;
    if (!activated.ok) {
      throw new BackendUnavailableError(`backend ${wanted} is not available here: ${activated.reason} (see \`nasfpn doctor\`)`);
    }
    const source = requested !== undefined && requested !== '' ? `--backend ${requested}` : `NASFPN_BACKEND=${fromEnv}`;
    choice = makeChoice(wanted, `requested (${source})`, []);
  } else {
    for (const name of BACKENDS) {
      const result = await probe(name);
      const activated = result.ok ? await activate(tf, name) : result;
      if (activated.ok) {
        choice = makeChoice(name, skipped.length ? 'the fastest available' : 'the fastest backend', skipped);
        break;
      }
      skipped.push({ name, reason: activated.reason });
    }
    if (!choice) throw new BackendUnavailableError('no TensorFlow.js backend can run here (see `nasfpn doctor`)');
  }
  current = { request: wanted, choice };
  if (!printed) {
    log(choice.line);
    printed = true;
  }
  return choice;
}

function makeChoice(name: BackendName, why: string, skipped: BackendChoice['skipped']): BackendChoice {
  // The tfjs-node reason matters most on a CPU machine: it is what users are told to install, and what npm
  // drops silently. Say it plainly and point at doctor, which explains how to get it.
  const reasons = skipped.map((s) => (s.reason.startsWith(s.name) ? s.reason : `${s.name}: ${s.reason}`));
  const line = `backend: ${name}, ${why}` + (reasons.length ? ` (${reasons.join('; ')}; see \`nasfpn doctor\`)` : '');
  return { name, tfName: TFJS_NAME[name], why, skipped, line };
}

/** The backend chosen by initBackend in this process, if any. */
export const currentBackend = (): BackendChoice | null => current?.choice ?? null;
