// Which engine trains (engine.ts): `--engine graph|eager|auto` (or NASFPN_ENGINE). auto is the graph engine on
// tfjs-node and tfjs-node-gpu, where TensorFlow runs a whole step as one graph, and the eager engine on wasm,
// WebGPU and cpu, which have no TensorFlow to run a graph. When the graph cannot express a detector (an op the
// TensorFlow library here lacks), auto falls back to eager and says so in its one line; `--engine graph` fails.
import type * as TF from '@tensorflow/tfjs';
import { GraphUnsupportedError } from '../graph/errors.js';
import type { TrainIR } from '../semantics/ir.js';
import type { TrainingEngine } from './engine.js';
import { EngineUnavailableError } from './errors.js';

export { EngineUnavailableError };

type Tfjs = typeof TF;

export const ENGINE_REQUESTS = ['auto', 'graph', 'eager'] as const;
export type EngineRequest = (typeof ENGINE_REQUESTS)[number];

/** A --engine value (or NASFPN_ENGINE); undefined and '' mean auto. Throws a RangeError naming the choices. */
export function parseEngineRequest(value: string | undefined): EngineRequest {
  if (value === undefined || value === '') return 'auto';
  if ((ENGINE_REQUESTS as readonly string[]).includes(value)) return value as EngineRequest;
  throw new RangeError(`unknown engine '${value}' (choose from ${ENGINE_REQUESTS.join(', ')})`);
}

/** The request of a command: its --engine value, else NASFPN_ENGINE, else auto. */
export const engineRequestOf = (flag: string | undefined): EngineRequest => parseEngineRequest(flag ?? process.env.NASFPN_ENGINE);

export interface OpenedEngine {
  engine: TrainingEngine;
  /** Why this engine, for people. */
  reason: string;
  /** What opening it cost (the graph's build and load), when it is worth saying. */
  cost?: string;
}

/** `engine: graph (reason; cost)`: the one line a command prints about its engine (without the cost: the same line for every trial of a search). */
export const engineLine = (opened: OpenedEngine, withCost = true): string =>
  `engine: ${opened.engine.kind} (${opened.reason}${withCost && opened.cost ? `; ${opened.cost}` : ''})`;


/**
 * Opens the engine `request` asks for on the current backend. `eager` makes the eager engine (the caller's:
 * it knows the objective); the graph engine is loaded only when it is used.
 */
export async function openEngine(tf: Tfjs, recipe: TrainIR, request: EngineRequest, eager: () => TrainingEngine, options: { cacheDir?: string } = {}): Promise<OpenedEngine> {
  const hasGraphs = tf.getBackend() === 'tensorflow';
  const eagerBecause = (reason: string): OpenedEngine => ({ engine: eager(), reason });
  if (request === 'eager') return eagerBecause('requested');
  if (!hasGraphs) {
    if (request === 'graph') throw new EngineUnavailableError(`--engine graph runs on tfjs-node or tfjs-node-gpu only; the backend here is ${tf.getBackend()} (use --engine eager, or see \`nasfpn doctor\`)`);
    return eagerBecause(`the ${tf.getBackend()} backend runs no TensorFlow graph`);
  }
  const { GraphEngine } = await import('./graph-engine.js');
  try {
    const engine = await GraphEngine.open(tf, recipe, options);
    const { built, buildSeconds, loadSeconds } = engine.graph;
    const source = built ? `built in ${buildSeconds.toFixed(1)} s` : 'from the cache';
    return { engine, reason: 'the whole step as one TensorFlow graph', cost: `${source}, loaded in ${loadSeconds.toFixed(1)} s` };
  } catch (error) {
    if (request === 'auto' && error instanceof GraphUnsupportedError) return eagerBecause(`the graph engine cannot express ${recipe.detector.name}: ${error.message}`);
    throw error;
  }
}

