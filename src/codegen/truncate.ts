// Cutting a model spec down to some of its outputs: the nodes those outputs depend on, the layers those nodes
// apply, and the groups those layers count in — nothing else, and nothing renamed or reconfigured. An early
// exit of an anytime detector is the full detector's spec cut down to the head after one pyramid
// (lower.ts), so it computes exactly what the full model computes there, and every weight it has keeps the
// name (and so the checkpoint entry) it has in the full model.
import type { ModelSpec } from './spec.js';

/** `spec` reduced to the outputs named in `keep` (in the spec's order) and what they are computed from. */
export function keepOutputs(spec: ModelSpec, keep: readonly string[], name = spec.name): ModelSpec {
  const unknown = keep.filter((k) => !spec.outputs.some((o) => o.name === k));
  if (unknown.length) throw new Error(`model spec ${spec.name}: no output named ${unknown.join(', ')}`);
  const outputs = spec.outputs.filter((o) => keep.includes(o.name));
  // Nodes are in topological order: walking them backwards, a needed node's inputs are needed too.
  const needed = new Set(outputs.map((o) => o.node));
  for (let i = spec.nodes.length - 1; i >= 0; i--) {
    const node = spec.nodes[i];
    if (needed.has(node.id)) for (const input of node.inputs) needed.add(input);
  }
  const nodes = spec.nodes.filter((n) => needed.has(n.id));
  const applied = new Set(nodes.map((n) => n.layer));
  const layers = spec.layers.filter((l) => applied.has(l.name));
  const groups = spec.groups.filter((g) => layers.some((l) => l.group === g));
  return { name, input: spec.input, layers, nodes, outputs, groups };
}
