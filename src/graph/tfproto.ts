// TensorFlow's SavedModel messages as plain data, and their encoding. Field numbers are those of TensorFlow's
// .proto files ([TF] core/framework/{graph,node_def,attr_value,tensor,tensor_shape,types,versions}.proto,
// core/protobuf/{saved_model,meta_graph}.proto); only the fields a graph written here needs are modelled.
import { assertNever } from '../util/assert-never.js';
import { Message } from './protobuf.js';

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
  const model = new Message().varint(1, SAVED_MODEL_SCHEMA_VERSION);
  for (const meta of metaGraphs) model.message(2, encodeMetaGraph(meta));
  return model.toBytes();
}

function encodeMetaGraph(meta: MetaGraph): Message {
  const info = new Message();
  for (const tag of meta.tags) info.string(4, tag);
  const graph = new Message();
  for (const node of meta.nodes) graph.message(1, encodeNode(node));
  graph.message(4, new Message().varint(1, GRAPH_PRODUCER));
  return new Message()
    .message(1, info)
    .message(2, graph)
    .map(5, Object.entries(meta.signatures).map(([key, signature]) => [key, encodeSignature(signature)]));
}

function encodeSignature(signature: SignatureDef): Message {
  const info = (t: TensorInfo) => new Message().string(1, t.name).varint(2, DATA_TYPE[t.dtype]).message(3, encodeShape(t.shape));
  return new Message()
    .map(1, Object.entries(signature.inputs).map(([k, t]) => [k, info(t)]))
    .map(2, Object.entries(signature.outputs).map(([k, t]) => [k, info(t)]))
    .string(3, signature.methodName);
}

export function encodeNode(node: NodeDef): Message {
  const message = new Message().string(1, node.name).string(2, node.op);
  for (const input of node.inputs) message.string(3, input);
  // Sorted, as TensorFlow writes them: the same graph always encodes to the same bytes.
  return message.map(5, Object.keys(node.attrs).sort().map((key) => [key, encodeAttr(node.attrs[key])]));
}

function encodeAttr(attr: AttrValue): Message {
  switch (attr.kind) {
    case 'type':
      return new Message().varint(6, DATA_TYPE[attr.value]);
    case 'int':
      return new Message().varint(3, attr.value);
    case 'float':
      return new Message().float(4, attr.value);
    case 'bool':
      return new Message().varint(5, attr.value);
    case 'string':
      return new Message().string(2, attr.value);
    case 'shape':
      return new Message().message(7, encodeShape(attr.value));
    case 'tensor':
      return new Message().message(8, encodeTensor(attr.value));
    case 'ints':
      return new Message().message(1, new Message().packedVarints(3, attr.value));
    case 'types':
      return new Message().message(1, new Message().packedVarints(6, attr.value.map((t) => DATA_TYPE[t])));
    case 'strings': {
      const list = new Message();
      for (const s of attr.value) list.string(2, s);
      return new Message().message(1, list);
    }
    default:
      return assertNever(attr, 'attribute kind');
  }
}

function encodeShape(shape: Shape | null): Message {
  const message = new Message();
  if (shape === null) return message.varint(3, true);
  for (const size of shape) message.message(2, new Message().varintIfSet(1, size));
  return message;
}

/** Values as raw little-endian bytes (tensor_content), the compact form for any size. */
function encodeTensor(tensor: TensorValue): Message {
  const message = new Message().varint(1, DATA_TYPE[tensor.dtype]).message(2, encodeShape(tensor.shape));
  const { values } = tensor;
  if (tensor.dtype === 'int64') {
    // Stored as int32 here; widened to 8 bytes little-endian (two's complement).
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setBigInt64(8 * i, BigInt(values[i]), true);
    return message.bytes(4, bytes);
  }
  return message.bytes(4, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}
