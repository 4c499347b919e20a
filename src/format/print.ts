// Checked IR → .fpn text: how sampled architectures (search), exported ones (with their detector and training
// recipe) and converted specs (import) become files a person can read, check, draw and train. The output is already in the formatter's canonical layout.
import { coarserInput, type Backbone, type BinaryOp, type DecaySchedule, type DetectorIR, type MergingCell, type PyramidIR, type PyramidNetworkIR, type TrainIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { assertNever } from '../util/assert-never.js';

/** The op as a call, writing options only where they differ from the defaults the checker would pick. */
function opCall(op: BinaryOp, inputs: [string, string], levels: [number, number]): string {
  switch (op.kind) {
    case 'sum':
    case 'wsum':
      return `${op.kind}(${inputs.join(', ')})`;
    case 'global_pool': {
      const options: string[] = [];
      if (op.pool !== 'max') options.push(`pool=${op.pool}`);
      if (op.pooled !== coarserInput(...levels)) options.push(`pooled=${inputs[op.pooled]}`);
      return `global_pool(${[...inputs, ...options].join(', ')})`;
    }
    default:
      return assertNever(op, 'op');
  }
}

/** A pyramid declaration: a fixed `kind fpn` pyramid, or merging cells (dangling sums noted in comments). */
export function printPyramid(p: PyramidNetworkIR, comment?: string): string {
  const lines: string[] = [];
  if (comment) for (const line of comment.split('\n')) lines.push(`# ${line}`.trimEnd());
  lines.push(`pyramid ${p.name} {`, ...pyramidBody(p), '}');
  return lines.join('\n') + '\n';
}

function pyramidBody(p: PyramidNetworkIR): string[] {
  const inputs = `  inputs ${levelName(p.minLevel)}..${levelName(p.maxLevel)}`;
  switch (p.kind) {
    case 'fpn':
      return ['  kind fpn', inputs];
    case 'cells':
      return [
        inputs,
        ...(p.allowStride8Intermediates ? ['  allow stride8'] : []),
        ...p.cells.map((cell) => {
          const dangling = cell.danglingSums.length ? `  # + ${cell.danglingSums.map((n) => p.nodes[n].name).join(', ')} (dangling)` : '';
          return `  ${printCell(p, cell)}${dangling}`;
        }),
      ];
    default:
      return assertNever(p, 'pyramid kind');
  }
}

/** One cell of `p` as a file writes it: `output n7 @P3 = sum(P3, n6)`. */
export function printCell(p: PyramidIR, cell: MergingCell): string {
  const names: [string, string] = [p.nodes[cell.inputs[0]].name, p.nodes[cell.inputs[1]].name];
  const levels: [number, number] = [p.nodes[cell.inputs[0]].level, p.nodes[cell.inputs[1]].level];
  return `${cell.isOutput ? 'output' : 'cell'} ${cell.name} @${levelName(cell.level)} = ${opCall(cell.op, names, levels)}`;
}

/** A backbone as a file writes it: `resnet50`, `mobilenet_v2 width 1`. */
export function backboneText(backbone: Backbone): string {
  switch (backbone.kind) {
    case 'resnet':
      return `resnet${backbone.depth}`;
    case 'mobilenet_v2':
      return `mobilenet_v2 width ${backbone.widthMultiplier}`;
    default:
      return assertNever(backbone, 'backbone');
  }
}

/**
 * A detector declaration named `name` with every setting spelled out (so it means the same in any file),
 * stacking the pyramid named `pyramid` (by default its own).
 */
export function printDetector(d: DetectorIR, name = d.name, pyramid = d.pyramid.name): string {
  const h = d.head;
  const lines = [
    `detector ${name} {`,
    `  backbone ${backboneText(d.backbone)}`,
    `  pyramid ${pyramid} x ${d.repeats} @ ${d.width}`,
    `  levels ${levelName(d.minLevel)}..${levelName(d.maxLevel)}`,
    `  conv ${d.conv}`,
  ];
  if (d.dropblock) lines.push(`  dropblock size ${d.dropblock.size} keep ${d.dropblock.keepProb}`);
  if (d.anytimeHeads) lines.push('  anytime heads');
  lines.push(
    `  input ${d.inputSize}`,
    `  head retinanet convs ${h.convs} width ${h.width} classes ${h.classes} anchors scales ${h.anchors.scales} ratios ${h.anchors.ratios.join(' ')} size ${h.anchors.size} prior ${h.prior} focal alpha ${h.focal.alpha} gamma ${h.focal.gamma}`,
    `  batchnorm momentum ${d.batchNorm.momentum} epsilon ${d.batchNorm.epsilon}`,
    '}',
  );
  return lines.join('\n') + '\n';
}

/** A number as a file writes it: rates scaled back and forth keep no float noise (0.0067, not 0.006700000000000001). */
const decimal = (x: number): string => String(Number(x.toPrecision(12)));

function decayText(decay: DecaySchedule): string {
  switch (decay.kind) {
    case 'step':
      return `decay ${decay.unit} ${decay.at.join(' ')} factor ${decimal(decay.factor)}`;
    case 'cosine':
      return 'decay cosine';
    case 'none':
      return 'decay none';
    default:
      return assertNever(decay, 'decay schedule');
  }
}

/**
 * A train declaration named `name` that trains the detector named `detector` on the folder `data` (as the file
 * should write it, relative to the file's folder), with every field of `t` spelled out.
 */
export function printTrain(t: TrainIR, name: string, detector: string, data: string): string {
  // The IR holds rates at the batch used; the file writes them at `perBatch`, as `lr … per …` reads them.
  const toWritten = t.learningRate.perBatch / t.batch;
  const lines = [
    `train ${name} {`,
    `  detector ${detector}`,
    `  data ${JSON.stringify(data)}`,
    `  ${t.length.unit} ${t.length.count}`,
    `  batch ${t.batch}`,
    `  lr ${decimal(t.learningRate.base)} per ${t.learningRate.perBatch}`,
    t.warmup.steps > 0 ? `  warmup ${t.warmup.steps} from ${decimal(t.warmup.from * toWritten)}` : '  warmup 0',
    `  ${decayText(t.decay)}`,
    `  momentum ${decimal(t.momentum)}`,
    `  weight_decay ${decimal(t.weightDecay)}`,
    `  jitter ${decimal(t.jitter.min)} ${decimal(t.jitter.max)}`,
    `  flip ${decimal(t.flip)}`,
    `  clip ${t.clipNorm ?? 0}`,
    `  checkpoint every ${t.checkpoint.every} keep ${t.checkpoint.keep}`,
    `  eval every ${t.eval.every ?? 0}${t.eval.images !== null ? ` images ${t.eval.images}` : ''}`,
    `  log every ${t.logEvery}`,
    `  seed ${t.seed}`,
    '}',
  ];
  return lines.join('\n') + '\n';
}
