// Builds a trainable tf.LayersModel from a ModelSpec at run time, calling the same constructors the emitter
// prints (calls.ts). Weights are initialised by the layers' initialisers.
import * as tf from '@tensorflow/tfjs';
import { InitializerCall, layerCall, type CallValue, type LayerCall } from './calls.js';
import { CUSTOM_LAYERS } from './layers.js';
import type { ModelSpec } from './spec.js';

/** Evaluates an argument: initializer calls become tf.initializers objects, the rest is plain data. */
function evaluate(value: CallValue): unknown {
  if (value instanceof InitializerCall) {
    const factory = (tf.initializers as unknown as Record<string, (args?: unknown) => unknown>)[value.initializer];
    return value.args === null ? factory() : factory(evaluate(value.args));
  }
  if (Array.isArray(value)) return value.map(evaluate);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v)]));
  }
  return value;
}

export function instantiateLayer(call: LayerCall): tf.layers.Layer {
  const args = evaluate(call.args);
  if ('custom' in call.callee) {
    const Class = CUSTOM_LAYERS[call.callee.custom] as unknown as new (a: unknown) => tf.layers.Layer;
    return new Class(args);
  }
  const factory = (tf.layers as unknown as Record<string, (a: unknown) => tf.layers.Layer>)[call.callee.builtin];
  return factory(args);
}

export function buildModel(spec: ModelSpec): tf.LayersModel {
  const tensors = new Map<string, tf.SymbolicTensor>();
  tensors.set(spec.input.name, tf.input({ shape: spec.input.shape, name: spec.input.name }));
  const layers = new Map<string, tf.layers.Layer>();
  for (const layer of spec.layers) layers.set(layer.name, instantiateLayer(layerCall(layer)));
  for (const node of spec.nodes) {
    const inputs = node.inputs.map((id) => tensors.get(id)!);
    const output = layers.get(node.layer)!.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor;
    tensors.set(node.id, output);
  }
  return tf.model({
    name: spec.name,
    inputs: tensors.get(spec.input.name)!,
    outputs: spec.outputs.map((o) => tensors.get(o.node)!),
  });
}
