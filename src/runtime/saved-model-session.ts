// A TensorFlow SavedModel loaded into one session of tfjs-node's TensorFlow library, and its signatures run by
// name. Every signature runs in that one session, so resource variables that one signature assigns are what the
// next one reads (a training graph's weights live there between steps).
//
// Through tfjs-node's backend (the 'tensorflow' backend object: loadSavedModelMetaGraph, runSavedModel,
// deleteSavedModel), not tf.node.loadSavedModel: that one parses saved_model.pb with google-protobuf again for
// every signature it opens (seconds for a graph with weights in it), while the caller here already knows its
// signatures; and it is reachable only through the tfjs-node module, whichever of tfjs-node/-gpu loaded.
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;

/** A signature's tensors: input and output keys to `node:k` names in the graph. */
export interface SessionSignature {
  inputs: Record<string, { name: string; dtype: 'float32' | 'int32' }>;
  outputs: Record<string, string>;
}

/** The part of tfjs-node's NodeJSKernelBackend this uses. */
interface TensorflowBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: TF.Tensor[], inputInfos: { name: string; tfDtype: string }[], outputNames: string[]): TF.Tensor[];
  deleteSavedModel(id: number): void;
}

const TF_DTYPE = { float32: 'DT_FLOAT', int32: 'DT_INT32' } as const;

export class SavedModelSession {
  private disposed = false;

  private constructor(
    private readonly backend: TensorflowBackend, private readonly id: number, private readonly signatures: Record<string, SessionSignature>,
  ) {}

  /**
   * Loads the SavedModel in `dir` (the meta graph tagged `tags`) into a new session. Throws when the current
   * backend is not TensorFlow's (tfjs-node or tfjs-node-gpu) or when TensorFlow cannot load the graph.
   */
  static open(tf: Tfjs, dir: string, signatures: Record<string, SessionSignature>, tags: string[] = ['serve']): SavedModelSession {
    if (tf.getBackend() !== 'tensorflow') throw new Error(`a TensorFlow graph runs on tfjs-node only, not on the ${tf.getBackend()} backend`);
    const backend = tf.backend() as unknown as TensorflowBackend;
    return new SavedModelSession(backend, backend.loadSavedModelMetaGraph(dir, tags.join(',')), signatures);
  }

  /** Runs a signature; the caller disposes the outputs. */
  run(signature: string, inputs: Record<string, TF.Tensor>): Record<string, TF.Tensor> {
    if (this.disposed) throw new Error('internal error: the session is closed');
    const spec = this.signatures[signature];
    if (!spec) throw new Error(`internal error: the graph has no signature ${signature}`);
    const keys = Object.keys(spec.inputs);
    const missing = keys.filter((k) => !(k in inputs));
    if (missing.length) throw new Error(`internal error: signature ${signature} needs ${missing.join(', ')}`);
    const outputKeys = Object.keys(spec.outputs);
    const results = this.backend.runSavedModel(
      this.id, keys.map((k) => inputs[k]), keys.map((k) => ({ name: spec.inputs[k].name, tfDtype: TF_DTYPE[spec.inputs[k].dtype] })),
      outputKeys.map((k) => spec.outputs[k]),
    );
    return Object.fromEntries(outputKeys.map((k, i) => [k, results[i]]));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.deleteSavedModel(this.id);
  }
}
