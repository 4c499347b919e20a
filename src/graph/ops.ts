// The TensorFlow ops the graphs are made of, one constructor each, with the output shape each op produces
// ([TF] core/ops/*.cc for names, inputs and attributes). All 4-D data is NHWC. `ForwardOp` lists the ops a
// forward pass or a loss may use: each has a gradient rule (or none) in gradients.ts, and a graph that reaches
// an op outside that list cannot be differentiated. `UndifferentiatedOp` lists the ops that only gradients,
// updates and inference post-processing use.
import { boolAttr, floatAttr, intAttr, intsAttr, shapeAttr, sizeOf, stringAttr, tensorAttr, typeAttr, type GraphBuilder, type OpInfo, type Tensor } from './builder.js';
import type { AttrValue, DType, Shape } from './tfproto.js';

export const FORWARD_OPS = [
  'Placeholder', 'Const', 'ReadVariableOp', 'Identity',
  'Conv2D', 'BiasAdd', 'DepthwiseConv2dNative', 'FusedBatchNormV3', 'Relu', 'Relu6', 'Pad', 'MaxPool',
  'ResizeNearestNeighbor', 'AddV2', 'AddN', 'Sub', 'Mul', 'RealDiv', 'Neg', 'Exp', 'Softplus', 'Sigmoid', 'Abs',
  'Minimum', 'Maximum', 'Square', 'Sum', 'Mean', 'Max', 'Reshape', 'ConcatV2', 'Unpack', 'L2Loss',
  // Not differentiable (targets, masks, random draws):
  'Cast', 'OneHot', 'GreaterEqual', 'NotEqual', 'Less', 'LogicalAnd', 'StatelessRandomUniform',
] as const;
export type ForwardOp = (typeof FORWARD_OPS)[number];

export type UndifferentiatedOp =
  | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter' | 'BiasAddGrad' | 'DepthwiseConv2dNativeBackpropInput'
  | 'DepthwiseConv2dNativeBackpropFilter' | 'FusedBatchNormGradV3' | 'ReluGrad' | 'Relu6Grad' | 'MaxPoolGrad'
  | 'ResizeNearestNeighborGrad' | 'SoftplusGrad' | 'SigmoidGrad' | 'Slice' | 'Sign' | 'LessEqual' | 'Equal'
  | 'BroadcastTo' | 'Pack' | 'Sqrt' | 'IsFinite' | 'Switch' | 'Merge' | 'NoOp'
  | 'VarHandleOp' | 'AssignVariableOp' | 'ResourceApplyMomentum' | 'ResourceApplyGradientDescent'
  | 'CombinedNonMaxSuppression';

export type OpType = ForwardOp | UndifferentiatedOp;

type Padding = 'SAME' | 'VALID';

const F32 = typeAttr('float32');
const T = (dtype: DType): Record<string, AttrValue> => ({ T: typeAttr(dtype) });

function single(g: GraphBuilder, op: OpType, name: string, inputs: Tensor[], attrs: Record<string, AttrValue>, dtype: DType, shape: Shape, info: OpInfo = {}): Tensor {
  return g.add(op, name, inputs, attrs, [{ dtype, shape }], [], info).outputs[0];
}

// ---------------------------------------------------------------------------------------------------
// Inputs, constants, variables

export const placeholder = (g: GraphBuilder, name: string, dtype: DType, shape: Shape): Tensor =>
  single(g, 'Placeholder', name, [], { dtype: typeAttr(dtype), shape: shapeAttr(shape) }, dtype, shape);

export function constant(g: GraphBuilder, values: number[] | Float32Array | Int32Array, shape: Shape, dtype: 'float32' | 'int32' | 'int64' = 'float32', name = 'const'): Tensor {
  if (values.length !== sizeOf(shape)) throw new Error(`internal error: ${values.length} values for shape [${shape}]`);
  const typed = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  return single(g, 'Const', name, [], { dtype: typeAttr(dtype), value: tensorAttr({ dtype, shape, values: typed }) }, dtype, shape);
}

export const scalar = (g: GraphBuilder, value: number, name = 'const'): Tensor => constant(g, [value], [], 'float32', name);
export const ints = (g: GraphBuilder, values: number[], name = 'const'): Tensor => constant(g, values, [values.length], 'int32', name);

/** A resource variable's handle. `shared_name` makes it the same variable for every signature of a session. */
export const varHandle = (g: GraphBuilder, name: string, shape: Shape): Tensor =>
  single(g, 'VarHandleOp', name, [], { dtype: F32, shape: shapeAttr(shape), shared_name: stringAttr(name), container: stringAttr('') }, 'resource', []);

export const readVariable = (g: GraphBuilder, handle: Tensor, shape: Shape, name = 'read', controls: string[] = []): Tensor =>
  g.add('ReadVariableOp', name, [handle], { dtype: F32 }, [{ dtype: 'float32', shape }], controls).outputs[0];

export const assignVariable = (g: GraphBuilder, handle: Tensor, value: Tensor, name = 'assign'): string =>
  g.add('AssignVariableOp', name, [handle, value], { dtype: F32 }, []).name;

/** accumulation ← momentum · accumulation + gradient; variable ← variable − lr · accumulation ([TF] training_ops.cc ApplyMomentum). */
export const applyMomentum = (g: GraphBuilder, variable: Tensor, accumulation: Tensor, lr: Tensor, gradient: Tensor, momentum: Tensor, name = 'apply_momentum'): string =>
  g.add('ResourceApplyMomentum', name, [variable, accumulation, lr, gradient, momentum], { T: F32, use_locking: boolAttr(false), use_nesterov: boolAttr(false) }, []).name;

/** variable ← variable − lr · gradient. */
export const applyGradientDescent = (g: GraphBuilder, variable: Tensor, lr: Tensor, gradient: Tensor, name = 'apply_sgd'): string =>
  g.add('ResourceApplyGradientDescent', name, [variable, lr, gradient], { T: F32, use_locking: boolAttr(false) }, []).name;

export const identity = (g: GraphBuilder, x: Tensor, name = 'identity', controls: string[] = []): Tensor =>
  g.add('Identity', name, [x], T(x.dtype), [{ dtype: x.dtype, shape: x.shape }], controls).outputs[0];

/** A node that only waits for `controls`. */
export const group = (g: GraphBuilder, controls: string[], name = 'group'): string => g.add('NoOp', name, [], {}, [], controls).name;

// ---------------------------------------------------------------------------------------------------
// Convolutions and normalisation

const convAttrs = (strides: number, padding: Padding): Record<string, AttrValue> => ({
  T: F32, strides: intsAttr([1, strides, strides, 1]), padding: stringAttr(padding), data_format: stringAttr('NHWC'),
  dilations: intsAttr([1, 1, 1, 1]),
});

/** TF "SAME": ceil(size / stride); "VALID": floor((size − k) / stride) + 1. */
const convExtent = (size: number, k: number, s: number, padding: Padding): number =>
  padding === 'SAME' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;

export function conv2d(g: GraphBuilder, x: Tensor, filter: Tensor, strides: number, padding: Padding, name = 'conv'): Tensor {
  const [b, h, w] = x.shape;
  const [kh, kw, , out] = filter.shape;
  const shape = [b, convExtent(h, kh, strides, padding), convExtent(w, kw, strides, padding), out];
  return single(g, 'Conv2D', name, [x, filter], { ...convAttrs(strides, padding), use_cudnn_on_gpu: boolAttr(true), explicit_paddings: intsAttr([]) }, 'float32', shape);
}

/** Depthwise conv with channel multiplier 1 (filter [k, k, C, 1]). */
export function depthwiseConv2d(g: GraphBuilder, x: Tensor, filter: Tensor, strides: number, padding: Padding, name = 'depthwise'): Tensor {
  const [b, h, w, c] = x.shape;
  const [kh, kw] = filter.shape;
  const shape = [b, convExtent(h, kh, strides, padding), convExtent(w, kw, strides, padding), c];
  return single(g, 'DepthwiseConv2dNative', name, [x, filter], { ...convAttrs(strides, padding), explicit_paddings: intsAttr([]) }, 'float32', shape);
}

export const biasAdd = (g: GraphBuilder, x: Tensor, bias: Tensor, name = 'bias'): Tensor =>
  single(g, 'BiasAdd', name, [x, bias], { T: F32, data_format: stringAttr('NHWC') }, 'float32', x.shape);

export interface BatchNormOutputs {
  y: Tensor;
  /** Training: the batch mean and the Bessel-corrected batch variance; inference: the inputs passed through. */
  mean: Tensor;
  variance: Tensor;
  /** What FusedBatchNormGradV3 needs (backend-specific contents). */
  reserve: [Tensor, Tensor, Tensor];
}

export function fusedBatchNorm(
  g: GraphBuilder, x: Tensor, scale: Tensor, offset: Tensor, mean: Tensor, variance: Tensor, epsilon: number, training: boolean, name = 'batchnorm',
): BatchNormOutputs {
  const channels = [x.shape[3]];
  const node = g.add('FusedBatchNormV3', name, [x, scale, offset, mean, variance], {
    ...batchNormAttrs(epsilon, training), exponential_avg_factor: floatAttr(1),
  }, [{ dtype: 'float32', shape: x.shape }, ...Array.from({ length: 5 }, () => ({ dtype: 'float32' as DType, shape: channels }))]);
  const [y, m, v, r1, r2, r3] = node.outputs;
  return { y, mean: m, variance: v, reserve: [r1, r2, r3] };
}

export const batchNormAttrs = (epsilon: number, training: boolean): Record<string, AttrValue> => ({
  T: F32, U: F32, epsilon: floatAttr(epsilon), data_format: stringAttr('NHWC'), is_training: boolAttr(training),
});

// ---------------------------------------------------------------------------------------------------
// Activations, pooling, resampling, padding

export const relu = (g: GraphBuilder, x: Tensor, name = 'relu'): Tensor => single(g, 'Relu', name, [x], T('float32'), 'float32', x.shape);
export const relu6 = (g: GraphBuilder, x: Tensor, name = 'relu6'): Tensor => single(g, 'Relu6', name, [x], T('float32'), 'float32', x.shape);
export const sigmoid = (g: GraphBuilder, x: Tensor, name = 'sigmoid'): Tensor => single(g, 'Sigmoid', name, [x], T('float32'), 'float32', x.shape);

/** Max pooling, TF "SAME", window = `size`, stride `strides`. */
export function maxPool(g: GraphBuilder, x: Tensor, size: number, strides: number, name = 'maxpool'): Tensor {
  const [b, h, w, c] = x.shape;
  const shape = [b, Math.ceil(h / strides), Math.ceil(w / strides), c];
  return single(g, 'MaxPool', name, [x], { T: F32, ...poolAttrs(size, strides) }, 'float32', shape);
}

export const poolAttrs = (size: number, strides: number): Record<string, AttrValue> => ({
  ksize: intsAttr([1, size, size, 1]), strides: intsAttr([1, strides, strides, 1]), padding: stringAttr('SAME'), data_format: stringAttr('NHWC'),
});

/** Nearest-neighbour resize to [height, width] (for an integer factor: each pixel repeated factor×factor times). */
export function resizeNearest(g: GraphBuilder, x: Tensor, height: number, width: number, name = 'upsample'): Tensor {
  const [b, , , c] = x.shape;
  return single(g, 'ResizeNearestNeighbor', name, [x, ints(g, [height, width], `${name}_size`)], {
    T: F32, align_corners: boolAttr(false), half_pixel_centers: boolAttr(false),
  }, 'float32', [b, height, width, c]);
}

/** Zero padding of a 4-D tensor: [[top, bottom], [left, right]] on H and W. */
export function pad(g: GraphBuilder, x: Tensor, padding: [[number, number], [number, number]], name = 'pad'): Tensor {
  const [[t, bottom], [l, r]] = padding;
  const [b, h, w, c] = x.shape;
  const paddings = constant(g, [0, 0, t, bottom, l, r, 0, 0], [4, 2], 'int32', `${name}_paddings`);
  return single(g, 'Pad', name, [x, paddings], { T: F32, Tpaddings: typeAttr('int32') }, 'float32', [b, h + t + bottom, w + l + r, c], { padBefore: [t, l] });
}

// ---------------------------------------------------------------------------------------------------
// Elementwise arithmetic (NumPy broadcasting)

export function broadcastShape(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`internal error: shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

const binary = (op: 'AddV2' | 'Sub' | 'Mul' | 'RealDiv' | 'Minimum' | 'Maximum') =>
  (g: GraphBuilder, a: Tensor, b: Tensor, name: string = op.toLowerCase()): Tensor =>
    single(g, op, name, [a, b], T(a.dtype), a.dtype, broadcastShape(a.shape, b.shape));

export const add = binary('AddV2');
export const sub = binary('Sub');
export const mul = binary('Mul');
export const div = binary('RealDiv');
export const minimum = binary('Minimum');
export const maximum = binary('Maximum');

const unary = (op: 'Neg' | 'Exp' | 'Softplus' | 'Abs' | 'Square' | 'Sqrt' | 'Sign') =>
  (g: GraphBuilder, x: Tensor, name: string = op.toLowerCase()): Tensor => single(g, op, name, [x], T(x.dtype), x.dtype, x.shape);

export const neg = unary('Neg');
export const exp = unary('Exp');
export const softplus = unary('Softplus');
export const abs = unary('Abs');
export const square = unary('Square');
export const sqrt = unary('Sqrt');
export const sign = unary('Sign');

/** Σ of several same-shaped tensors (the tensor itself when there is one). */
export function addN(g: GraphBuilder, xs: Tensor[], name = 'add_n'): Tensor {
  if (xs.length === 0) throw new Error('internal error: addN of nothing');
  if (xs.length === 1) return xs[0];
  return single(g, 'AddN', name, xs, { T: F32, N: intAttr(xs.length) }, 'float32', xs[0].shape);
}

const compare = (op: 'GreaterEqual' | 'NotEqual' | 'Less' | 'LessEqual' | 'Equal') =>
  (g: GraphBuilder, a: Tensor, b: Tensor, name: string = op.toLowerCase()): Tensor =>
    single(g, op, name, [a, b], { T: typeAttr(a.dtype), ...(op === 'NotEqual' || op === 'Equal' ? { incompatible_shape_error: boolAttr(true) } : {}) }, 'bool', broadcastShape(a.shape, b.shape));

export const greaterEqual = compare('GreaterEqual');
export const notEqual = compare('NotEqual');
export const less = compare('Less');
export const lessEqual = compare('LessEqual');
export const equal = compare('Equal');

export const logicalAnd = (g: GraphBuilder, a: Tensor, b: Tensor, name = 'and'): Tensor =>
  single(g, 'LogicalAnd', name, [a, b], {}, 'bool', broadcastShape(a.shape, b.shape));

export const isFinite = (g: GraphBuilder, x: Tensor, name = 'is_finite'): Tensor => single(g, 'IsFinite', name, [x], T(x.dtype), 'bool', x.shape);

export const cast = (g: GraphBuilder, x: Tensor, dtype: DType, name = 'cast'): Tensor =>
  single(g, 'Cast', name, [x], { SrcT: typeAttr(x.dtype), DstT: typeAttr(dtype), Truncate: boolAttr(false) }, dtype, x.shape);

// ---------------------------------------------------------------------------------------------------
// Reductions and shapes

const reduction = (op: 'Sum' | 'Mean' | 'Max') =>
  (g: GraphBuilder, x: Tensor, axes: number[], keepDims = false, name: string = op.toLowerCase()): Tensor => {
    const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return single(g, op, name, [x, ints(g, axes, `${name}_axes`)], { T: F32, Tidx: typeAttr('int32'), keep_dims: boolAttr(keepDims) }, x.dtype, shape, { axes });
  };

export const sum = reduction('Sum');
export const mean = reduction('Mean');
export const max = reduction('Max');

/** Σ over every element, as a scalar. */
export const sumAll = (g: GraphBuilder, x: Tensor, name = 'sum'): Tensor => sum(g, x, x.shape.map((_, i) => i), false, name);

/** ½ Σ x² ([TF] L2Loss). */
export const l2Loss = (g: GraphBuilder, x: Tensor, name = 'l2_loss'): Tensor => single(g, 'L2Loss', name, [x], T('float32'), 'float32', []);

export function reshape(g: GraphBuilder, x: Tensor, shape: Shape, name = 'reshape'): Tensor {
  if (sizeOf(shape) !== sizeOf(x.shape) && !shape.includes(-1)) throw new Error(`internal error: reshape [${x.shape}] to [${shape}]`);
  return single(g, 'Reshape', name, [x, ints(g, shape, `${name}_shape`)], { T: typeAttr(x.dtype), Tshape: typeAttr('int32') }, x.dtype, shape);
}

export function concat(g: GraphBuilder, xs: Tensor[], axis: number, name = 'concat'): Tensor {
  if (xs.length === 1) return xs[0];
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  return single(g, 'ConcatV2', name, [...xs, constant(g, [axis], [], 'int32', `${name}_axis`)], { T: typeAttr(xs[0].dtype), N: intAttr(xs.length), Tidx: typeAttr('int32') }, xs[0].dtype, shape, { axis });
}

/** The slices of `x` along axis 0 ([n, ...] → n tensors of [...]). */
export function unstack(g: GraphBuilder, x: Tensor, name = 'unstack'): Tensor[] {
  const [n, ...rest] = x.shape;
  return g.add('Unpack', name, [x], { T: F32, num: intAttr(n), axis: intAttr(0) }, Array.from({ length: n }, () => ({ dtype: 'float32' as DType, shape: rest }))).outputs;
}

export function stack(g: GraphBuilder, xs: Tensor[], name = 'stack'): Tensor {
  return single(g, 'Pack', name, xs, { T: F32, N: intAttr(xs.length), axis: intAttr(0) }, 'float32', [xs.length, ...xs[0].shape]);
}

export function slice(g: GraphBuilder, x: Tensor, begin: number[], size: number[], name = 'slice'): Tensor {
  return single(g, 'Slice', name, [x, ints(g, begin, `${name}_begin`), ints(g, size, `${name}_size`)], { T: typeAttr(x.dtype), Index: typeAttr('int32') }, x.dtype, size);
}

export const broadcastTo = (g: GraphBuilder, x: Tensor, shape: Shape, name = 'broadcast'): Tensor =>
  single(g, 'BroadcastTo', name, [x, ints(g, shape, `${name}_shape`)], { T: F32, Tidx: typeAttr('int32') }, 'float32', shape);

/** One-hot of int32 `indices` over `depth` classes, float32. */
export function oneHot(g: GraphBuilder, indices: Tensor, depth: number, name = 'one_hot'): Tensor {
  return single(g, 'OneHot', name, [indices, constant(g, [depth], [], 'int32', `${name}_depth`), scalar(g, 1, `${name}_on`), scalar(g, 0, `${name}_off`)], {
    T: F32, TI: typeAttr('int32'), axis: intAttr(-1),
  }, 'float32', [...indices.shape, depth]);
}

/** Uniform [0, 1) values, a function of `seed` (int32 [2]) alone ([TF] StatelessRandomUniform). */
export function statelessUniform(g: GraphBuilder, shape: Shape, seed: Tensor, name = 'uniform'): Tensor {
  return single(g, 'StatelessRandomUniform', name, [ints(g, shape, `${name}_shape`), seed], {
    dtype: F32, T: typeAttr('int32'), Tseed: typeAttr('int32'),
  }, 'float32', shape);
}

// ---------------------------------------------------------------------------------------------------
// Control flow ([TF] control_flow_ops.cc): the TF1 conditional, for an update that runs only when allowed

/** [whenFalse, whenTrue]: `x` on the branch `predicate` picks; the other output is dead (nothing that depends on it runs). */
export function switchOn(g: GraphBuilder, x: Tensor, predicate: Tensor, name = 'switch'): [Tensor, Tensor] {
  const node = g.add('Switch', name, [x, predicate], T(x.dtype), [{ dtype: x.dtype, shape: x.shape }, { dtype: x.dtype, shape: x.shape }]);
  return [node.outputs[0], node.outputs[1]];
}

/** Whichever of `xs` is alive (the join after a Switch). */
export function merge(g: GraphBuilder, xs: Tensor[], name = 'merge'): Tensor {
  return g.add('Merge', name, xs, { T: typeAttr(xs[0].dtype), N: intAttr(xs.length) }, [{ dtype: xs[0].dtype, shape: xs[0].shape }, { dtype: 'int32', shape: [] }]).outputs[0];
}
