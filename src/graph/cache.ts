// SavedModels of built graphs, cached on disk by what they were built from, so that a run, a resume or a
// search trial of an architecture seen before opens its graph without building it again.
//
//   $NASFPN_CACHE_DIR/graphs/<key>/      (default ${XDG_CACHE_HOME:-~/.cache}/nasfpn/graphs)
//       saved_model.pb, nasfpn.json      (saved-model.ts)
//
// The key is the SHA-256 of the build's inputs (the lowered model, the batch, the objective, the optimizer
// settings) and GRAPH_FORMAT, which changes whenever the graphs this code emits change. An entry is written
// to a temp directory and renamed into place, so a reader sees a complete entry or none; when two processes
// build the same entry (search workers), the second keeps the first's. The newest CACHE_ENTRIES entries are
// kept (each use refreshes its entry's time); older ones are removed after a write.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from '../runtime/fs.js';
import { MANIFEST_FILE, SAVED_MODEL_FILE, type Manifest } from './saved-model.js';
import type { BuiltProgram } from './train-program.js';

/** Bumped whenever the emitted graphs change, so that no stale graph is reused. */
export const GRAPH_FORMAT = 1;
/** Entries kept; a proxy training graph is ~1–3 MB, so the cache stays under ~100 MB. */
export const CACHE_ENTRIES = 48;

/** The cache's root: $NASFPN_CACHE_DIR, else $XDG_CACHE_HOME/nasfpn, else ~/.cache/nasfpn; graphs live in its `graphs/`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NASFPN_CACHE_DIR) return env.NASFPN_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nasfpn');
}

export const cacheKey = (material: unknown): string =>
  createHash('sha256').update(JSON.stringify({ format: GRAPH_FORMAT, material })).digest('hex').slice(0, 32);

export interface CachedGraph {
  dir: string;
  manifest: Manifest;
  /** Whether this call built it (false: found in the cache). */
  built: boolean;
  /** Seconds spent building and writing it (0 when found). */
  buildSeconds: number;
}

/** The SavedModel for `material` from the cache, built with `build` and stored when it is not there. */
export function cachedGraph(material: unknown, build: () => BuiltProgram, root = cacheRoot()): CachedGraph {
  const graphs = join(root, 'graphs');
  const dir = join(graphs, cacheKey(material));
  const found = readEntry(dir);
  if (found) {
    const now = new Date();
    utimesSync(dir, now, now);
    return { dir, manifest: found, built: false, buildSeconds: 0 };
  }
  // Not there, or damaged (a disk that filled up, a hand edit): built again.
  rmSync(dir, { recursive: true, force: true });
  const start = performance.now();
  const program = build();
  mkdirSync(graphs, { recursive: true });
  const temp = join(graphs, `.${cacheKey(material)}.${process.pid}.tmp`);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp);
  try {
    writeFile(join(temp, SAVED_MODEL_FILE), program.bytes);
    writeFile(join(temp, MANIFEST_FILE), JSON.stringify(program.manifest));
    renameSync(temp, dir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    // Another process put the same entry in place first: use it.
    const theirs = readEntry(dir);
    if (!theirs) throw error;
    return { dir, manifest: theirs, built: false, buildSeconds: 0 };
  }
  prune(graphs);
  return { dir, manifest: program.manifest, built: true, buildSeconds: (performance.now() - start) / 1000 };
}

function readEntry(dir: string): Manifest | null {
  if (!existsSync(join(dir, SAVED_MODEL_FILE))) return null;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    return manifest.format === 1 ? manifest : null;
  } catch {
    return null; // damaged: built again
  }
}

/** Removes all but the newest CACHE_ENTRIES entries, and temp directories of processes that died. */
function prune(graphs: string): void {
  const entries = readdirSync(graphs).map((name) => {
    try {
      return { name, time: statSync(join(graphs, name)).mtimeMs };
    } catch {
      return null; // removed meanwhile
    }
  }).filter((e) => e !== null);
  const stale = Date.now() - 3600_000;
  for (const e of entries) if (e.name.startsWith('.') && e.time < stale) rmSync(join(graphs, e.name), { recursive: true, force: true });
  const kept = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => b.time - a.time);
  for (const e of kept.slice(CACHE_ENTRIES)) rmSync(join(graphs, e.name), { recursive: true, force: true });
}
