// The best architectures of a run as .fpn files: each one's pyramid and, when the space names a proxy
// detector, that detector rebuilt around it (every setting spelled out), ready for `check`, `draw`, `stats`
// and `build`.
import type { Backbone, DetectorIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import type { TrialRecord } from './records.js';

/** The best `top` finished trials, one per architecture (hash), best first; ties go to the earlier trial. */
export function bestTrials(trials: readonly TrialRecord[], top: number): TrialRecord[] {
  const seen = new Set<string>();
  return trials
    .filter((t) => t.status === 'finished' && t.reward !== null && t.duplicateOf === null)
    .sort((a, b) => b.reward! - a.reward! || a.id - b.id)
    .filter((t) => !seen.has(t.hash) && seen.add(t.hash))
    .slice(0, top);
}

function backboneText(backbone: Backbone): string {
  switch (backbone.kind) {
    case 'resnet':
      return `resnet${backbone.depth}`;
    case 'mobilenet_v2':
      return `mobilenet_v2 width ${backbone.widthMultiplier}`;
    default:
      return assertNever(backbone);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected backbone ${JSON.stringify(value)}`);
}

/** A detector declaration equal to `proxy` with the pyramid named `pyramid` in its place. */
export function printDetectorAround(proxy: DetectorIR, name: string, pyramid: string): string {
  const h = proxy.head;
  const lines = [
    `detector ${name} {`,
    `  backbone ${backboneText(proxy.backbone)}`,
    `  pyramid ${pyramid} x ${proxy.repeats} @ ${proxy.width}`,
    `  levels ${levelName(proxy.minLevel)}..${levelName(proxy.maxLevel)}`,
    `  conv ${proxy.conv}`,
  ];
  if (proxy.dropblock) lines.push(`  dropblock size ${proxy.dropblock.size} keep ${proxy.dropblock.keepProb}`);
  if (proxy.anytimeHeads) lines.push('  anytime heads');
  lines.push(
    `  input ${proxy.inputSize}`,
    `  head retinanet convs ${h.convs} width ${h.width} classes ${h.classes} anchors scales ${h.anchors.scales} ratios ${h.anchors.ratios.join(' ')} size ${h.anchors.size} prior ${h.prior} focal alpha ${h.focal.alpha} gamma ${h.focal.gamma}`,
    `  batchnorm momentum ${proxy.batchNorm.momentum} epsilon ${proxy.batchNorm.epsilon}`,
    '}',
  );
  return lines.join('\n') + '\n';
}

/** The .fpn text of one exported architecture: its pyramid renamed, and the proxy detector around it. */
export function exportText(trial: TrialRecord, rank: number, proxy: DetectorIR | null, space: string): string {
  const pyramid = `top${rank}`;
  const header = `# Search ${space}: rank ${rank}, trial ${trial.id}, reward ${trial.reward}, hash ${trial.hash.slice(0, 16)}\n`;
  const body = trial.fpn
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .replace(/^pyramid \S+ \{/m, `pyramid ${pyramid} {`);
  return header + body + (proxy ? '\n' + printDetectorAround(proxy, `${pyramid}_${proxy.name}`, pyramid) : '');
}
