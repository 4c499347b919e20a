// What a detector costs, for hovers: its parameters and FLOPs (the same count as `nasfpn stats`, from the
// model spec, no weights), and each merging cell's parameters in one stack. Counting a large detector takes
// a few milliseconds, so each checked detector is counted once.
import { countModel, layerParams, type ModelCounts } from '../codegen/count.js';
import { giga } from '../codegen/count-table.js';
import { lowerDetector } from '../codegen/lower.js';
import type { DetectorIR } from '../semantics/ir.js';

export interface DetectorCosts {
  counts: ModelCounts;
  /** Trainable parameters of each merging cell of one stack (every stack has its own copy); empty for `kind fpn`. */
  cellParameters: number[];
}

const counted = new WeakMap<DetectorIR, DetectorCosts>();

export function detectorCosts(detector: DetectorIR): DetectorCosts {
  let costs = counted.get(detector);
  if (!costs) {
    const spec = lowerDetector(detector);
    const inputOf = new Map(spec.nodes.map((n) => [n.layer, n]));
    const shapeOf = new Map(spec.nodes.map((n) => [n.id, n.shape]));
    const cellParameters: number[] = [];
    for (const layer of spec.layers) {
      // Layers of the first stack's cells are named stack1/cell<i>/…
      const match = /^stack1\/cell(\d+)\//.exec(layer.name);
      const node = inputOf.get(layer.name);
      if (!match || !node) continue;
      const i = Number(match[1]);
      cellParameters[i] = (cellParameters[i] ?? 0) + layerParams(layer, shapeOf.get(node.inputs[0])!, node.inputs.length).trainable;
    }
    costs = { counts: countModel(spec), cellParameters: Array.from(cellParameters, (n) => n ?? 0) };
    counted.set(detector, costs);
  }
  return costs;
}

/** `60.32 M parameters, 281.35 GFLOPs at 640×640` (FLOPs = 2 × multiply-adds, as Table 1 counts them). */
export function costLine(detector: DetectorIR): string {
  const { counts } = detectorCosts(detector);
  return `${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(counts.flops)} GFLOPs at ${counts.inputSize}×${counts.inputSize}`;
}

