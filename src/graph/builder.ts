// A TensorFlow graph under construction: nodes with unique, scoped names, and the symbolic tensors they
// produce, each with its dtype and static shape (every shape of a training graph is known when it is built,
// which the gradient rules rely on). Each node also keeps its inputs as tensors, so that the reverse-mode pass
// (gradients.ts) can walk the graph back from a loss.
import type { AttrValue, DType, NodeDef, Shape, TensorValue } from './tfproto.js';

/** A tensor of the graph: output `output` of node `node`. */
export interface Tensor {
  readonly node: string;
  readonly output: number;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** How a node input names a tensor (`node` for output 0, `node:k` otherwise). */
export const inputName = (t: Tensor): string => (t.output === 0 ? t.node : `${t.node}:${t.output}`);

/** How a signature names a tensor (`node:k`, always with the index). */
export const tensorName = (t: Tensor): string => `${t.node}:${t.output}`;

/** A node as the gradient pass sees it. */
export interface OpNode {
  name: string;
  op: string;
  inputs: Tensor[];
  attrs: Record<string, AttrValue>;
  outputs: Tensor[];
  /** What a gradient rule needs to know that the node holds only as an input tensor (reduction axes, …). */
  info: OpInfo;
}

export interface OpInfo {
  /** Reduced axes (Sum, Mean, Max). */
  axes?: number[];
  /** The concatenation axis (ConcatV2). */
  axis?: number;
  /** Padding before H and W (Pad). */
  padBefore?: [number, number];
}

/** TensorFlow's node-name rule ([TF] core/graph/graph.cc `IsValidNodeName`). */
const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/;

export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  /** Nodes in creation order: a topological order, since a node's inputs exist before it. */
  readonly ops: OpNode[] = [];
  private readonly taken = new Set<string>();
  private readonly scopes: string[] = [];

  /** Runs `build` with node names prefixed by `scope/`. */
  inScope<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fresh node name: `scope/name`, with `_1`, `_2`, … appended when it is taken. */
  uniqueName(name: string): string {
    const base = [...this.scopes, name].join('/').replace(/[^A-Za-z0-9_.\-/>]/g, '_');
    if (!NODE_NAME.test(base)) throw new Error(`internal error: invalid node name ${JSON.stringify(base)}`);
    let candidate = base;
    for (let k = 1; this.taken.has(candidate); k++) candidate = `${base}_${k}`;
    this.taken.add(candidate);
    return candidate;
  }

  /**
   * Adds a node. `outputs` gives the dtype and shape of each output (none for ops without outputs);
   * `controls` are nodes that must run first (control dependencies).
   */
  add(
    op: string, name: string, inputs: Tensor[], attrs: Record<string, AttrValue>, outputs: { dtype: DType; shape: Shape }[],
    controls: string[] = [], info: OpInfo = {},
  ): OpNode {
    const nodeName = this.uniqueName(name);
    this.nodes.push({ name: nodeName, op, inputs: [...inputs.map(inputName), ...controls.map((c) => `^${c}`)], attrs });
    const node: OpNode = { name: nodeName, op, inputs, attrs, outputs: outputs.map((o, output) => ({ node: nodeName, output, ...o })), info };
    this.ops.push(node);
    return node;
  }
}

// ---------------------------------------------------------------------------------------------------
// Attribute values

export const typeAttr = (value: DType): AttrValue => ({ kind: 'type', value });
export const intAttr = (value: number): AttrValue => ({ kind: 'int', value });
export const floatAttr = (value: number): AttrValue => ({ kind: 'float', value });
export const boolAttr = (value: boolean): AttrValue => ({ kind: 'bool', value });
export const stringAttr = (value: string): AttrValue => ({ kind: 'string', value });
export const intsAttr = (value: number[]): AttrValue => ({ kind: 'ints', value });
export const shapeAttr = (value: Shape | null): AttrValue => ({ kind: 'shape', value });
export const tensorAttr = (value: TensorValue): AttrValue => ({ kind: 'tensor', value });

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
