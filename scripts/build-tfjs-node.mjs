// `npm run build:tfjs-node`: makes @tensorflow/tfjs-node (the fastest CPU backend) work where npm could not
// install it, by compiling its native addon from source against a TensorFlow C library found here.
//
// tfjs-node's own install step downloads libtensorflow and a prebuilt addon from storage.googleapis.com; where
// that download is impossible, npm drops the optional package without a word (`nasfpn doctor` says so). This
// script needs, besides Node's build tools (a C++ compiler, make and Python 3, as node-gyp does):
//   - a TensorFlow C library, one of:
//       NASFPN_LIBTENSORFLOW=DIR   a folder with lib/ (libtensorflow.so.2 or libtensorflow_cc.so.2, and
//                                  libtensorflow_framework.so.2) and include/ (tensorflow/c/c_api.h), e.g.
//                                  TensorFlow's libtensorflow-cpu-linux-*.tar.gz unpacked;
//       or a Python package index that pip can reach and that holds the `tensorflow-cpu` wheel
//                                  (NASFPN_TF_WHEEL, default tensorflow-cpu==2.21.0), whose C library is the same
//                                  API; it is unpacked once into ~/.cache/nasfpn/libtensorflow/<version>.
//   - Node's headers: those of the running Node where its installation has them (include/node), else node-gyp
//     downloads them (npm_config_nodedir overrides).
// It changes node_modules only (package.json and the lock file stay as they are), so run it again after `npm ci`.
// About a minute and ~1 GB of disk (the cached library). Linux only: elsewhere npm's download usually works.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@tensorflow/tfjs-node';
const DEFAULT_WHEEL = 'tensorflow-cpu==2.21.0';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'node_modules', PACKAGE);

const say = (line) => process.stdout.write(`build:tfjs-node: ${line}\n`);

/** Ends the script with a message that says what to do about it. */
function fail(lines) {
  process.stderr.write(lines.map((line) => `build:tfjs-node: ${line}\n`).join(''));
  process.exit(1);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', ...options });
}

/** Whether tfjs-node loads in a fresh Node process (its addon built and its libraries found). */
function tfjsNodeLoads() {
  const probe = `require('${PACKAGE}').ready().then(() => console.log(require('${PACKAGE}').getBackend()))`;
  const loaded = run(process.execPath, ['-e', probe], { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  return loaded.status === 0 ? loaded.stdout.trim() : null;
}

// --- 1. A TensorFlow C library: lib/ and include/ -------------------------------------------------------

/** The C API library of a folder laid out as lib/ + include/: the libtensorflow archive's name, or the wheel's. */
function cApiLibrary(dir) {
  const lib = join(dir, 'lib');
  for (const name of ['libtensorflow.so.2', 'libtensorflow_cc.so.2']) {
    if (existsSync(join(lib, name)) && existsSync(join(lib, 'libtensorflow_framework.so.2')) && existsSync(join(dir, 'include', 'tensorflow', 'c', 'c_api.h'))) {
      return name;
    }
  }
  return null;
}

/** The wheel's C library and headers, unpacked once per wheel version into the user's cache. */
function libraryFromWheel(requirement) {
  const version = requirement.split('==')[1] ?? 'latest';
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nasfpn', 'libtensorflow', version);
  if (cApiLibrary(cache)) return cache;
  const python = ['python3', 'python'].find((p) => run(p, ['-m', 'pip', '--version']).status === 0);
  const withoutIndex = [
    `the TensorFlow C library comes from the '${requirement}' wheel, and ${python ? 'pip could not get it' : 'there is no Python 3 with pip here'}.`,
    'Give it one of:',
    `  - a Python package index that holds ${requirement} (pip's own configuration: PIP_INDEX_URL, pip.conf), or another`,
    '    version: NASFPN_TF_WHEEL=tensorflow-cpu==X.Y.Z npm run build:tfjs-node',
    '  - a TensorFlow C library you have: NASFPN_LIBTENSORFLOW=DIR npm run build:tfjs-node, where DIR holds lib/ and include/',
    '    (e.g. libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz from https://www.tensorflow.org/install/lang_c, unpacked)',
  ];
  if (!python) fail(withoutIndex);
  const temp = mkdtempSync(join(tmpdir(), 'nasfpn-tf-wheel-'));
  try {
    say(`fetching ${requirement} with pip (a few hundred MB, once)`);
    const download = run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--quiet', '--dest', temp, requirement],
      { env: { PIP_RETRIES: '0', ...process.env }, stdio: ['ignore', 'inherit', 'pipe'] });
    const wheel = readdirSync(temp).find((f) => f.endsWith('.whl'));
    if (download.status !== 0 || !wheel) fail([...download.stderr.trim().split('\n').slice(-3), ...withoutIndex]);
    say(`unpacking its C library into ${cache}`);
    // Python's zipfile, as pip itself has Python: the two libraries and the headers, laid out as lib/ + include/.
    const unpack = [
      'import sys, zipfile, os, shutil',
      'wheel, out = sys.argv[1], sys.argv[2]',
      'with zipfile.ZipFile(wheel) as z:',
      '    for m in z.infolist():',
      '        n = m.filename',
      "        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):",
      "            target = os.path.join(out, 'lib', os.path.basename(n))",
      "        elif n.startswith('tensorflow/include/') and not n.endswith('/'):",
      "            target = os.path.join(out, 'include', n[len('tensorflow/include/'):])",
      '        else:',
      '            continue',
      '        os.makedirs(os.path.dirname(target), exist_ok=True)',
      "        with z.open(m) as src, open(target, 'wb') as dst:",
      '            shutil.copyfileobj(src, dst)',
    ].join('\n');
    const partial = `${cache}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const unpacked = run(python, ['-c', unpack, join(temp, wheel), partial], { stdio: ['ignore', 'inherit', 'pipe'] });
    if (unpacked.status !== 0 || !cApiLibrary(partial)) {
      fail([unpacked.stderr.trim(), `${wheel} does not hold TensorFlow's C library (tensorflow/libtensorflow_cc.so.2 and tensorflow/include)`]);
    }
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(dirname(cache), { recursive: true });
    // Renamed into place whole, so an interrupted unpack is never taken for a finished one.
    renameSync(partial, cache);
    return cache;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function tensorflowLibrary() {
  const given = process.env.NASFPN_LIBTENSORFLOW;
  if (given === undefined || given === '') return libraryFromWheel(process.env.NASFPN_TF_WHEEL || DEFAULT_WHEEL);
  const dir = resolve(given);
  if (!cApiLibrary(dir)) {
    fail([`NASFPN_LIBTENSORFLOW=${given}: expected lib/libtensorflow.so.2 (or lib/libtensorflow_cc.so.2), lib/libtensorflow_framework.so.2`,
      'and include/tensorflow/c/c_api.h under it (the layout of TensorFlow\'s libtensorflow-cpu-linux-*.tar.gz)']);
  }
  return dir;
}

// --- 2. The package, its deps/ folder, and the addon ----------------------------------------------------

/** tfjs-node without its install step (the download), at the version package.json pins. */
function installPackage() {
  if (existsSync(join(packageDir, 'binding.gyp'))) return;
  const { optionalDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = optionalDependencies[PACKAGE];
  say(`installing ${PACKAGE}@${version} without its install step`);
  // npm completes the other optional packages too, tfjs-node-gpu among them, all without their install steps.
  const others = ['@tensorflow/tfjs-node-gpu'].filter((name) => !existsSync(join(root, 'node_modules', name)));
  const installed = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${PACKAGE}@${version}`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  if (installed.status !== 0) fail([installed.stderr.trim(), `npm could not install ${PACKAGE}@${version}`]);
  // A tfjs-node-gpu without its addon would only be one more "installed but does not load" line in doctor.
  for (const name of others) rmSync(join(root, 'node_modules', name), { recursive: true, force: true });
}

/** deps/ as tfjs-node's binding.gyp expects it: deps/include, and deps/lib/libtensorflow{,_framework}.so. */
function linkLibrary(library) {
  const lib = join(packageDir, 'deps', 'lib');
  rmSync(join(packageDir, 'deps'), { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  symlinkSync(join(library, 'include'), join(packageDir, 'deps', 'include'));
  const cApi = cApiLibrary(library);
  for (const name of new Set([cApi, 'libtensorflow_framework.so.2'])) symlinkSync(join(library, 'lib', name), join(lib, name));
  // The names the addon links against (-ltensorflow -ltensorflow_framework) and loads at run time (.so.2).
  if (cApi !== 'libtensorflow.so.2') symlinkSync(cApi, join(lib, 'libtensorflow.so.2'));
  symlinkSync('libtensorflow.so.2', join(lib, 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
}

/** Node's own headers where its installation carries them (Debian's nodejs, the official tarballs, nvm). */
function nodeHeaders() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : null;
}

function compileAddon() {
  const missing = [['c++', '--version'], ['make', '--version'], ['python3', '--version']].filter(([tool, flag]) => run(tool, [flag]).error).map(([tool]) => tool);
  if (missing.length) fail([`compiling the addon needs ${missing.join(', ')} (Debian/Ubuntu: sudo apt-get install -y g++ make python3)`]);
  const nodedir = nodeHeaders();
  const log = join(packageDir, 'build-tfjs-node.log');
  say('compiling the tfjs-node addon (about a minute)');
  const args = ['--no-install', 'node-pre-gyp', 'install', '--build-from-source', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const built = run('npx', args, { cwd: packageDir, env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) } });
  writeFileSync(log, `${built.stdout ?? ''}${built.stderr ?? ''}`);
  if (built.status !== 0) {
    fail([...`${built.stderr ?? ''}`.trim().split('\n').slice(-8), `the build failed; the whole log is in ${log}`]);
  }
}

// --- main ---------------------------------------------------------------------------------------------

if (!existsSync(join(root, 'node_modules'))) fail(['run `npm ci` first']);
const before = tfjsNodeLoads();
if (before) {
  say(`${PACKAGE} already loads (backend '${before}'); nothing to do`);
  process.exit(0);
}
if (process.platform !== 'linux') {
  fail([`builds for Linux only; on ${process.platform}, \`npm install ${PACKAGE}\` downloads a prebuilt addon (see \`nasfpn doctor\`)`]);
}
const library = tensorflowLibrary();
installPackage();
linkLibrary(library);
compileAddon();
const after = tfjsNodeLoads();
if (!after) fail([`the addon was built but ${PACKAGE} still does not load; see ${join(packageDir, 'build-tfjs-node.log')}`]);
say(`${PACKAGE} loads: backend '${after}', TensorFlow C library from ${library}`);
