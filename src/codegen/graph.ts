// A small builder for ModelSpec values: declare layers, apply them to tensors, and get each output shape by
// static shape inference. Backbones, pyramid and heads are written against this API (lower.ts).
import { assertNever } from '../util/assert-never.js';
import type { Group, LayerConfig, LayerSpec, ModelSpec, NodeSpec, Shape } from './spec.js';

/** Layer names follow TF.js's tensor-name rule: start alphanumeric, then [-A-Za-z0-9._/]. */
const LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

export class SpecGraph {
  private readonly layers: LayerSpec[] = [];
  private readonly layerByName = new Map<string, LayerSpec>();
  private readonly nodes: NodeSpec[] = [];
  private readonly nodeById = new Map<string, NodeSpec>();
  private readonly groups: Group[] = [];
  private group: Group = 'backbone';

  constructor(readonly inputName: string, readonly inputShape: Shape) {
    const input: NodeSpec = { id: inputName, layer: '', inputs: [], shape: inputShape };
    this.nodes.push(input);
    this.nodeById.set(inputName, input);
  }

  /** Fixes the display order of the groups (groups not listed follow in first-use order). */
  orderGroups(groups: Group[]): void {
    for (const group of groups) if (!this.groups.includes(group)) this.groups.push(group);
  }

  /** Layers declared from now on are counted in `group`. */
  inGroup(group: Group): void {
    this.group = group;
    if (!this.groups.includes(group)) this.groups.push(group);
  }

  shape(id: string): Shape {
    const node = this.nodeById.get(id);
    if (!node) throw new Error(`model spec: unknown tensor ${id}`);
    return node.shape;
  }

  /** Declares a layer without applying it (for layers shared by several applications). */
  declare(name: string, layer: LayerConfig): string {
    if (!LAYER_NAME.test(name)) throw new Error(`model spec: invalid layer name ${JSON.stringify(name)}`);
    if (this.layerByName.has(name)) throw new Error(`model spec: duplicate layer name ${name}`);
    const spec = { ...layer, name, group: this.group } as LayerSpec;
    this.layers.push(spec);
    this.layerByName.set(name, spec);
    return name;
  }

  /** Applies an already declared layer; `id` must be given when the layer is applied more than once. */
  applyDeclared(name: string, inputs: string[], id = name): string {
    const layer = this.layerByName.get(name);
    if (!layer) throw new Error(`model spec: unknown layer ${name}`);
    if (this.nodeById.has(id)) throw new Error(`model spec: duplicate tensor ${id}`);
    const shape = inferShape(layer, inputs.map((i) => this.shape(i)));
    const node: NodeSpec = { id, layer: name, inputs, shape };
    this.nodes.push(node);
    this.nodeById.set(id, node);
    return id;
  }

  /** A position in the node list, for `annotateFrom`. */
  mark(): number {
    return this.nodes.length;
  }

  /** Attaches a comment for the emitted code to the first node created since `mark`. */
  annotateFrom(mark: number, note: string): void {
    const node = this.nodes[mark];
    if (!node) throw new Error('model spec: nothing to annotate');
    node.note = note;
  }

  /** Declares a layer and applies it once; the produced tensor has the layer's name as id. */
  apply(name: string, layer: LayerConfig, ...inputs: string[]): string {
    this.declare(name, layer);
    return this.applyDeclared(name, inputs);
  }

  /**
   * The model: the nodes the outputs depend on, and their layers. A node no output reaches is left out, as
   * tf.model leaves it out of the built model: a detector on P3..P4 does not use the backbone's C5 stage, so
   * neither its weights nor its multiply-adds are part of the model (counting them made `nasfpn build`
   * disagree with `nasfpn stats`).
   */
  finish(name: string, outputs: ModelSpec['outputs']): ModelSpec {
    const used = new Set(this.nodes.map((n) => n.layer));
    const unused = this.layers.filter((l) => !used.has(l.name));
    if (unused.length > 0) throw new Error(`model spec: layers declared but never applied: ${unused.map((l) => l.name).join(', ')}`);
    const needed = new Set<string>();
    const pending = outputs.map((o) => o.node);
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (needed.has(id)) continue;
      needed.add(id);
      pending.push(...this.nodeById.get(id)!.inputs);
    }
    const nodes = this.nodes.slice(1).filter((n) => needed.has(n.id));
    const layersUsed = new Set(nodes.map((n) => n.layer));
    const layers = this.layers.filter((l) => layersUsed.has(l.name));
    return {
      name,
      input: { name: this.inputName, shape: this.inputShape },
      layers,
      nodes,
      outputs,
      groups: this.groups.filter((group) => layers.some((l) => l.group === group)),
    };
  }
}

/** Output shape of one layer application (TF "SAME": ceil(size / stride); "VALID": floor((size − k) / stride) + 1). */
export function inferShape(layer: LayerConfig, inputs: Shape[]): Shape {
  const [h, w, c] = inputs[0];
  const conv = (k: number, s: number, padding: 'same' | 'valid', filters: number): Shape =>
    padding === 'same'
      ? [Math.ceil(h / s), Math.ceil(w / s), filters]
      : [Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1, filters];
  switch (layer.kind) {
    case 'conv2d':
      return conv(layer.config.kernelSize, layer.config.strides, layer.config.padding, layer.config.filters);
    case 'separableConv2d': {
      const strides = layer.config.strides ?? 1;
      return [Math.ceil(h / strides), Math.ceil(w / strides), layer.config.filters];
    }
    case 'depthwiseConv2d':
      return conv(layer.config.kernelSize, layer.config.strides, layer.config.padding, c);
    case 'zeroPad': {
      const [[t, b], [l, r]] = layer.config.padding;
      return [h + t + b, w + l + r, c];
    }
    case 'maxPool':
      return [Math.ceil(h / layer.config.strides), Math.ceil(w / layer.config.strides), c];
    case 'upsample':
      return [h * layer.config.factor, w * layer.config.factor, c];
    case 'add':
    case 'globalPoolMerge':
    case 'weightedSum':
      for (const other of inputs.slice(1)) {
        if (other.join() !== inputs[0].join()) {
          throw new Error(`model spec: ${layer.kind} of mismatched shapes ${inputs.map((s) => s.join('×')).join(' and ')}`);
        }
      }
      return [h, w, c];
    case 'batchNorm':
    case 'relu':
    case 'dropBlock':
      return [h, w, c];
    default:
      return assertNever(layer, 'layer kind');
  }
}
