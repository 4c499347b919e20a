// Reverse-mode differentiation of a graph built with GraphBuilder: one gradient rule per forward op, all in
// one table (GRADIENT_RULES, typed over every ForwardOp, so an op added to ops.ts without a rule does not
// compile), and the pass that walks the graph back from a scalar loss emitting each rule's ops.
//
// Why the project's own: TensorFlow's C library can add gradients to a graph only through the function
// gradient registry (SymbolicGradient), which in TF 2.21 has no gradient for FusedBatchNormV3 or
// ResizeNearestNeighbor; the Python registry that has them is not in the C library. Each rule emits the
// gradient op TensorFlow's own Python gradient uses ([TF] python/ops/nn_grad.py, math_grad.py, array_grad.py),
// except where noted to match the eager path (tfjs-core's gradients, which `nasfpn train --engine eager` runs).
import { boolAttr, intsAttr, sizeOf, stringAttr, typeAttr, type GraphBuilder, type OpNode, type Tensor } from './builder.js';
import {
  addN, batchNormAttrs, broadcastTo, cast, constant, div, equal, greaterEqual, ints, less, lessEqual, mul, neg, reshape, scalar, sign,
  slice, stack, type ForwardOp, type OpType,
} from './ops.js';
import type { AttrValue, DType, Shape } from './tfproto.js';

/**
 * The gradients of a node's inputs from the gradients of its outputs (`dys[k]` null: output k does not reach the
 * loss). `needed[i]` says whether input i needs one (it depends on a differentiated variable); a rule may
 * return null for the others and should not emit their ops (the image's gradient of the first conv, say).
 */
export type GradientRule = (g: GraphBuilder, node: OpNode, dys: (Tensor | null)[], needed: boolean[]) => (Tensor | null)[];

/** Every forward op: its rule, or `null` for an op through which no gradient flows (constants, inputs, comparisons, casts of targets, random draws). */
export const GRADIENT_RULES: Record<ForwardOp, GradientRule | null> = {
  Placeholder: null,
  Const: null,
  ReadVariableOp: null,
  Cast: null,
  OneHot: null,
  GreaterEqual: null,
  NotEqual: null,
  Less: null,
  LogicalAnd: null,
  StatelessRandomUniform: null,
  Identity: (_g, _node, [dy]) => [dy],

  Conv2D: (g, { inputs: [x, filter], attrs }, [dy], needed) => [
    needed[0] ? backward(g, 'Conv2DBackpropInput', [ints(g, x.shape), filter, dy!], convBackpropAttrs(attrs), x.shape) : null,
    needed[1] ? backward(g, 'Conv2DBackpropFilter', [x, ints(g, filter.shape), dy!], convBackpropAttrs(attrs), filter.shape) : null,
  ],
  DepthwiseConv2dNative: (g, { inputs: [x, filter], attrs }, [dy], needed) => [
    needed[0] ? backward(g, 'DepthwiseConv2dNativeBackpropInput', [ints(g, x.shape), filter, dy!], depthwiseBackpropAttrs(attrs), x.shape) : null,
    needed[1] ? backward(g, 'DepthwiseConv2dNativeBackpropFilter', [x, ints(g, filter.shape), dy!], depthwiseBackpropAttrs(attrs), filter.shape) : null,
  ],
  BiasAdd: (g, { inputs: [, bias] }, [dy], needed) => [
    dy,
    needed[1] ? backward(g, 'BiasAddGrad', [dy!], { T: typeAttr('float32'), data_format: stringAttr('NHWC') }, bias.shape) : null,
  ],
  FusedBatchNormV3: (g, node, [dy]) => {
    const [x, scale] = node.inputs;
    if (dy === null) return [null, null, null, null, null];
    if (node.attrs.is_training?.kind !== 'bool' || !node.attrs.is_training.value) throw new Error('internal error: only batch norm in training mode is differentiated');
    const epsilon = node.attrs.epsilon.kind === 'float' ? node.attrs.epsilon.value : 0;
    const [, , , r1, r2, r3] = node.outputs;
    // [TF] nn_grad.py _FusedBatchNormV3Grad: one op for dx, dγ, dβ from the forward op's reserve spaces.
    const grad = g.add('FusedBatchNormGradV3', 'batchnorm_grad', [dy, x, scale, r1, r2, r3], batchNormAttrs(epsilon, true), [
      { dtype: 'float32', shape: x.shape }, { dtype: 'float32', shape: scale.shape }, { dtype: 'float32', shape: scale.shape },
      { dtype: 'float32', shape: [0] }, { dtype: 'float32', shape: [0] },
    ]);
    return [grad.outputs[0], grad.outputs[1], grad.outputs[2], null, null];
  },
  // ReluGrad takes the op's output as readily as its input (they are positive at the same places); the output is
  // what a fused conv + bias + ReLU leaves.
  Relu: (g, node, [dy]) => [backward(g, 'ReluGrad', [dy!, node.outputs[0]], { T: typeAttr('float32') }, node.outputs[0].shape)],
  Relu6: (g, node, [dy]) => [backward(g, 'Relu6Grad', [dy!, node.inputs[0]], { T: typeAttr('float32') }, node.inputs[0].shape)],
  Pad: (g, { inputs: [x], info }, [dy]) => {
    const [t, l] = info.padBefore!;
    return [slice(g, dy!, [0, t, l, 0], x.shape, 'pad_grad'), null];
  },
  MaxPool: (g, node, [dy]) => {
    const { ksize, strides, padding, data_format } = node.attrs;
    return [backward(g, 'MaxPoolGrad', [node.inputs[0], node.outputs[0], dy!], { T: typeAttr('float32'), ksize, strides, padding, data_format }, node.inputs[0].shape)];
  },
  ResizeNearestNeighbor: (g, node, [dy]) => {
    const [x] = node.inputs;
    const { align_corners, half_pixel_centers } = node.attrs;
    return [backward(g, 'ResizeNearestNeighborGrad', [dy!, ints(g, [x.shape[1], x.shape[2]])], { T: typeAttr('float32'), align_corners, half_pixel_centers }, x.shape), null];
  },

  AddV2: (g, { inputs: [a, b] }, [dy], needed) => [needed[0] ? unbroadcast(g, dy!, a.shape) : null, needed[1] ? unbroadcast(g, dy!, b.shape) : null],
  AddN: (_g, node, [dy]) => node.inputs.map(() => dy),
  Sub: (g, { inputs: [a, b] }, [dy], needed) => [needed[0] ? unbroadcast(g, dy!, a.shape) : null, needed[1] ? unbroadcast(g, neg(g, dy!), b.shape) : null],
  Mul: (g, { inputs: [a, b] }, [dy], needed) => [
    needed[0] ? unbroadcast(g, mul(g, dy!, b), a.shape) : null,
    needed[1] ? unbroadcast(g, mul(g, dy!, a), b.shape) : null,
  ],
  RealDiv: (g, { inputs: [a, b] }, [dy], needed) => [
    needed[0] ? unbroadcast(g, div(g, dy!, b), a.shape) : null,
    needed[1] ? unbroadcast(g, neg(g, div(g, mul(g, dy!, a), mul(g, b, b))), b.shape) : null,
  ],
  Neg: (g, _node, [dy]) => [neg(g, dy!)],
  Exp: (g, node, [dy]) => [mul(g, dy!, node.outputs[0])],
  Softplus: (g, node, [dy]) => [backward(g, 'SoftplusGrad', [dy!, node.inputs[0]], { T: typeAttr('float32') }, node.inputs[0].shape)],
  // SigmoidGrad(y, dy) = dy · y · (1 − y).
  Sigmoid: (g, node, [dy]) => [backward(g, 'SigmoidGrad', [node.outputs[0], dy!], { T: typeAttr('float32') }, node.outputs[0].shape)],
  Abs: (g, { inputs: [x] }, [dy]) => [mul(g, dy!, sign(g, x))],
  Square: (g, { inputs: [x] }, [dy]) => [mul(g, dy!, mul(g, x, scalar(g, 2)))],
  L2Loss: (g, { inputs: [x] }, [dy]) => [mul(g, x, dy!)],
  // As tfjs-core (and [TF] math_grad.py _MinimumGrad): the first input takes the gradient where it is ≤ the second.
  Minimum: (g, { inputs: [a, b] }, [dy], needed) => [
    needed[0] ? unbroadcast(g, mul(g, dy!, cast(g, lessEqual(g, a, b), 'float32')), a.shape) : null,
    needed[1] ? unbroadcast(g, mul(g, dy!, cast(g, less(g, b, a), 'float32')), b.shape) : null,
  ],
  Maximum: (g, { inputs: [a, b] }, [dy], needed) => [
    needed[0] ? unbroadcast(g, mul(g, dy!, cast(g, greaterEqual(g, a, b), 'float32')), a.shape) : null,
    needed[1] ? unbroadcast(g, mul(g, dy!, cast(g, less(g, a, b), 'float32')), b.shape) : null,
  ],

  Sum: (g, node, [dy]) => [broadcastTo(g, keptDims(g, node, dy!), node.inputs[0].shape), null],
  Mean: (g, node, [dy]) => {
    const [x] = node.inputs;
    const count = sizeOf(x.shape) / sizeOf(node.outputs[0].shape);
    return [broadcastTo(g, div(g, keptDims(g, node, dy!), scalar(g, count)), x.shape), null];
  },
  // As tfjs-core's max gradient: every element equal to the maximum takes the whole gradient ([TF] math_grad.py
  // splits it among ties instead; ties do not occur in the pooled features of a cell).
  Max: (g, node, [dy]) => {
    const [x] = node.inputs;
    const mask = cast(g, equal(g, x, keptDims(g, node, node.outputs[0])), 'float32');
    return [mul(g, keptDims(g, node, dy!), mask), null];
  },
  Reshape: (g, { inputs: [x] }, [dy]) => [reshape(g, dy!, x.shape), null],
  ConcatV2: (g, node, [dy], needed) => {
    const parts = node.inputs.slice(0, -1);
    const axis = node.info.axis!;
    let offset = 0;
    const grads = parts.map((part, i) => {
      const begin = part.shape.map((_, k) => (k === axis ? offset : 0));
      offset += part.shape[axis];
      return needed[i] ? slice(g, dy!, begin, part.shape, 'concat_grad') : null;
    });
    return [...grads, null];
  },
  Unpack: (g, node, dys) => {
    const parts = dys.map((dy, i) => dy ?? constant(g, new Float32Array(sizeOf(node.outputs[i].shape)), node.outputs[i].shape));
    return [stack(g, parts, 'unstack_grad')];
  },
};

/** Ops that only gradients and updates emit: differentiating through one is a bug in this module. */
const isForwardOp = (op: string): op is ForwardOp => op in GRADIENT_RULES;

function backward(g: GraphBuilder, op: OpType, inputs: Tensor[], attrs: Record<string, AttrValue>, shape: Shape, dtype: DType = 'float32'): Tensor {
  return g.add(op, op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase(), inputs, attrs, [{ dtype, shape }]).outputs[0];
}

const convBackpropAttrs = (attrs: Record<string, AttrValue>): Record<string, AttrValue> => ({
  T: typeAttr('float32'), strides: attrs.strides, padding: attrs.padding, data_format: attrs.data_format, dilations: attrs.dilations,
  use_cudnn_on_gpu: boolAttr(true), explicit_paddings: intsAttr([]),
});

const depthwiseBackpropAttrs = (attrs: Record<string, AttrValue>): Record<string, AttrValue> => ({
  T: typeAttr('float32'), strides: attrs.strides, padding: attrs.padding, data_format: attrs.data_format, dilations: attrs.dilations,
  explicit_paddings: intsAttr([]),
});

/** A reduction's output (or its gradient) reshaped with the reduced axes kept as 1s. */
function keptDims(g: GraphBuilder, node: OpNode, t: Tensor): Tensor {
  const kept = node.inputs[0].shape.map((d, i) => (reducedAxes(node).includes(i) ? 1 : d));
  return t.shape.join() === kept.join() ? t : reshape(g, t, kept);
}

function reducedAxes(node: OpNode): number[] {
  if (!node.info.axes) throw new Error(`internal error: ${node.name} does not record its axes`);
  return node.info.axes;
}

/** The gradient of a broadcast operand: summed over the axes it was broadcast along, in its own shape. */
export function unbroadcast(g: GraphBuilder, grad: Tensor, shape: Shape): Tensor {
  if (grad.shape.join() === shape.join()) return grad;
  const offset = grad.shape.length - shape.length;
  const axes = grad.shape.map((_, i) => i).filter((i) => i < offset || (shape[i - offset] === 1 && grad.shape[i] !== 1));
  const summed = axes.length ? g.add('Sum', 'unbroadcast', [grad, ints(g, axes)], {
    T: typeAttr('float32'), Tidx: typeAttr('int32'), keep_dims: boolAttr(false),
  }, [{ dtype: 'float32', shape: grad.shape.filter((_, i) => !axes.includes(i)) }]).outputs[0] : grad;
  return summed.shape.join() === shape.join() ? summed : reshape(g, summed, shape);
}

const key = (t: Tensor): string => `${t.node}:${t.output}`;

/**
 * d loss / d x for each of `xs` (tensors the loss depends on: variable reads), emitted into `g` under the
 * `gradients/` scope. A tensor used several times gets the sum of its uses' gradients (AddN). A variable the
 * loss does not depend on gets a zero gradient.
 */
export function gradients(g: GraphBuilder, loss: Tensor, xs: readonly Tensor[]): Tensor[] {
  if (loss.shape.length !== 0) throw new Error('internal error: gradients of a non-scalar');
  const forward = g.ops.slice();
  const lossIndex = forward.findIndex((op) => op.name === loss.node);
  // Tensors that depend on some x (they need gradients), in creation (topological) order.
  const dependent = new Set(xs.map(key));
  for (const op of forward.slice(0, lossIndex + 1)) {
    if (op.inputs.some((t) => dependent.has(key(t))) && GRADIENT_RULES[op.op as ForwardOp] !== null) {
      for (const out of op.outputs) dependent.add(key(out));
    }
  }
  const pending = new Map<string, Tensor[]>();
  const total = (t: Tensor): Tensor | null => {
    const parts = pending.get(key(t));
    if (!parts) return null;
    const summed = addN(g, parts, 'accumulate');
    pending.set(key(t), [summed]);
    return summed;
  };
  return g.inScope('gradients', () => {
    pending.set(key(loss), [scalar(g, 1, 'seed')]);
    for (let i = lossIndex; i >= 0; i--) {
      const op = forward[i];
      if (!op.outputs.some((out) => pending.has(key(out)))) continue;
      const needed = op.inputs.map((t) => dependent.has(key(t)));
      if (!needed.some(Boolean)) continue;
      if (!isForwardOp(op.op)) throw new Error(`internal error: no gradient rule for ${op.op} (${op.name})`);
      const rule = GRADIENT_RULES[op.op];
      if (rule === null) continue;
      const dys = op.outputs.map(total);
      const grads = g.inScope(op.name, () => rule(g, op, dys, needed));
      op.inputs.forEach((input, k) => {
        const grad = grads[k];
        if (!needed[k] || !grad) return;
        if (grad.shape.join() !== input.shape.join()) throw new Error(`internal error: ${op.op} gradient [${grad.shape}] for input [${input.shape}] of ${op.name}`);
        pending.set(key(input), [...(pending.get(key(input)) ?? []), grad]);
      });
    }
    return xs.map((x) => total(x) ?? constant(g, new Float32Array(sizeOf(x.shape)), x.shape, 'float32', 'zero_gradient'));
  });
}
