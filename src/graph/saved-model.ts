// A built graph with its signatures, written as a SavedModel directory: `saved_model.pb` (one meta graph,
// tagged `serve`) beside `nasfpn.json`, which lists the signatures and the graph's variables so that a cached
// SavedModel is opened without building its graph again. Written atomically (a complete directory or none).
import { join } from 'node:path';
import { writeDirAtomic } from '../runtime/atomic.js';
import { writeFile } from '../runtime/fs.js';
import { tensorName, type GraphBuilder, type Tensor } from './builder.js';
import { encodeSavedModel, type SignatureDef, type TensorInfo } from './tfproto.js';

export const SAVED_MODEL_FILE = 'saved_model.pb';
export const MANIFEST_FILE = 'nasfpn.json';
export const SERVE_TAGS = ['serve'];
const PREDICT_METHOD = 'tensorflow/serving/predict';

/** A signature as built: input and output keys to graph tensors. */
export interface Signature {
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
}

/** A named variable of the graph, in the order a program lists them. */
export interface VariableInfo {
  name: string;
  shape: number[];
}

/** A signature's tensors by name (`node:k`), as a session runs it (runtime/saved-model-session.ts takes this shape). */
export interface SignatureNames {
  inputs: Record<string, { name: string; dtype: 'float32' | 'int32' }>;
  outputs: Record<string, string>;
}

/** What a SavedModel's user needs besides the graph: its signatures, and any variables with their names. */
export interface Manifest {
  format: 1;
  signatures: Record<string, SignatureNames>;
  /** Free-form facts the writer records (what was built, from which IR hash). */
  about: Record<string, unknown>;
  variables: Record<string, VariableInfo[]>;
}

export const sessionSignature = (s: Signature): SignatureNames => ({
  inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, t]) => [k, { name: tensorName(t), dtype: t.dtype === 'int32' ? 'int32' : 'float32' }])),
  outputs: Object.fromEntries(Object.entries(s.outputs).map(([k, t]) => [k, tensorName(t)])),
});

const tensorInfo = (t: Tensor): TensorInfo => ({ name: tensorName(t), dtype: t.dtype, shape: t.shape });

function signatureDef(s: Signature): SignatureDef {
  const map = (entries: Record<string, Tensor>) => Object.fromEntries(Object.entries(entries).map(([k, t]) => [k, tensorInfo(t)]));
  return { inputs: map(s.inputs), outputs: map(s.outputs), methodName: PREDICT_METHOD };
}

/** The SavedModel bytes of a graph and its signatures. */
export function savedModelBytes(g: GraphBuilder, signatures: Record<string, Signature>): Uint8Array {
  return encodeSavedModel([{
    tags: SERVE_TAGS, nodes: g.nodes,
    signatures: Object.fromEntries(Object.entries(signatures).map(([k, s]) => [k, signatureDef(s)])),
  }]);
}

export function manifestOf(signatures: Record<string, Signature>, variables: Record<string, VariableInfo[]>, about: Record<string, unknown>): Manifest {
  return {
    format: 1,
    signatures: Object.fromEntries(Object.entries(signatures).map(([k, s]) => [k, sessionSignature(s)])),
    about, variables,
  };
}

/** Writes the SavedModel directory atomically (replacing one that is there). */
export async function writeSavedModel(dir: string, bytes: Uint8Array, manifest: Manifest): Promise<void> {
  await writeDirAtomic(dir, (temp) => {
    writeFile(join(temp, SAVED_MODEL_FILE), bytes);
    writeFile(join(temp, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
  });
}
