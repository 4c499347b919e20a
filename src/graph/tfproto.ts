// TensorFlow's SavedModel messages as plain data, and their encoding. Field numbers are those of TensorFlow's
// .proto files ([TF] core/framework/{graph,node_def,attr_value,tensor,tensor_shape,types,versions}.proto,
// core/protobuf/{saved_model,meta_graph}.proto); only the fields a graph written here needs are modelled.
import { assertNever } from '../util/assert-never.js';
import { Writer } from './protobuf.js';

/** The element types the graphs use. */
export type DType = 'float32' | 'int32' | 'int64' | 'bool' | 'resource';

/** [TF] types.proto DataType. */
const DATA_TYPE: Record<DType, number> = { float32: 1, int32: 3, int64: 9, bool: 10, resource: 20 };

/** A static shape; -1 marks an unknown dimension (the batch of an inference graph). */
export type Shape = number[];

/** A constant: its values as a typed array of the dtype (float32 → Float32Array, int32/int64 → Int32Array, bool → Uint8Array). */
export interface TensorValue {
  dtype: Exclude<DType, 'resource'>;
  shape: Shape;
  values: Float32Array | Int32Array | Uint8Array;
}

export type AttrValue =
  | { kind: 'type'; value: DType }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  /** null: unknown rank. */
  | { kind: 'shape'; value: Shape | null }
  | { kind: 'tensor'; value: TensorValue }
  | { kind: 'ints'; value: number[] }
  | { kind: 'types'; value: DType[] }
  | { kind: 'strings'; value: string[] };

export interface NodeDef {
  name: string;
  op: string;
  /** `node`, `node:k` for output k > 0, `^node` for a control dependency (after every data input). */
  inputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface TensorInfo {
  /** `node:k`. */
  name: string;
  dtype: DType;
  shape: Shape;
}

export interface SignatureDef {
  inputs: Record<string, TensorInfo>;
  outputs: Record<string, TensorInfo>;
  /** e.g. `tensorflow/serving/predict`. */
  methodName: string;
}

export interface MetaGraph {
  tags: string[];
  nodes: NodeDef[];
  signatures: Record<string, SignatureDef>;
}

/**
 * The GraphDef producer version ([TF] core/public/version.h TF_GRAPH_DEF_VERSION): a TensorFlow 2.x value. TensorFlow
 * checks only that its own version is at least a graph's min_consumer (unset here), so every 2.x library loads it.
 */
const GRAPH_PRODUCER = 1087;
/** [TF] saved_model.proto: the only schema version. */
const SAVED_MODEL_SCHEMA_VERSION = 1;

export function encodeSavedModel(metaGraphs: MetaGraph[]): Uint8Array {
  const w = new Writer().varint(1, SAVED_MODEL_SCHEMA_VERSION);
  for (const meta of metaGraphs) w.message(2, (m) => writeMetaGraph(m, meta));
  return w.toBytes();
}

function writeMetaGraph(w: Writer, meta: MetaGraph): void {
  w.message(1, (info) => {
    for (const tag of meta.tags) info.string(4, tag);
  });
  w.message(2, (graph) => {
    for (const node of meta.nodes) graph.message(1, (n) => writeNode(n, node));
    graph.message(4, (versions) => versions.varint(1, GRAPH_PRODUCER));
  });
  w.map(5, Object.entries(meta.signatures), writeSignature);
}

function writeSignature(w: Writer, signature: SignatureDef): void {
  const info = (i: Writer, t: TensorInfo) => i.string(1, t.name).varint(2, DATA_TYPE[t.dtype]).message(3, (s) => writeShape(s, t.shape));
  w.map(1, Object.entries(signature.inputs), info)
    .map(2, Object.entries(signature.outputs), info)
    .string(3, signature.methodName);
}

function writeNode(w: Writer, node: NodeDef): void {
  w.string(1, node.name).string(2, node.op);
  for (const input of node.inputs) w.string(3, input);
  // Sorted, as TensorFlow writes them: the same graph always encodes to the same bytes.
  w.map(5, Object.keys(node.attrs).sort().map((key): [string, AttrValue] => [key, node.attrs[key]]), writeAttr);
}

function writeAttr(w: Writer, attr: AttrValue): void {
  switch (attr.kind) {
    case 'type':
      w.varint(6, DATA_TYPE[attr.value]);
      return;
    case 'int':
      w.varint(3, attr.value);
      return;
    case 'float':
      w.float(4, attr.value);
      return;
    case 'bool':
      w.varint(5, attr.value);
      return;
    case 'string':
      w.string(2, attr.value);
      return;
    case 'shape':
      w.message(7, (s) => writeShape(s, attr.value));
      return;
    case 'tensor':
      w.message(8, (t) => writeTensor(t, attr.value));
      return;
    case 'ints':
      w.message(1, (list) => list.packedVarints(3, attr.value));
      return;
    case 'types':
      w.message(1, (list) => list.packedVarints(6, attr.value.map((t) => DATA_TYPE[t])));
      return;
    case 'strings':
      w.message(1, (list) => {
        for (const s of attr.value) list.string(2, s);
      });
      return;
    default:
      assertNever(attr, 'attribute kind');
  }
}

function writeShape(w: Writer, shape: Shape | null): void {
  if (shape === null) {
    w.varint(3, true);
    return;
  }
  for (const size of shape) w.message(2, (dim) => dim.varintIfSet(1, size));
}

/** Values as raw little-endian bytes (tensor_content), the compact form for any size. */
function writeTensor(w: Writer, tensor: TensorValue): void {
  w.varint(1, DATA_TYPE[tensor.dtype]).message(2, (s) => writeShape(s, tensor.shape));
  const { values } = tensor;
  if (tensor.dtype === 'int64') {
    // Stored as int32 here; widened to 8 bytes little-endian (two's complement).
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setBigInt64(8 * i, BigInt(values[i]), true);
    w.bytes(4, bytes);
    return;
  }
  w.bytes(4, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}
