// The best architectures of a run as .fpn files: each one's pyramid and, when the space names a proxy
// detector, that detector rebuilt around it (every setting spelled out), and the train recipe the reward
// trained it with: ready for `check`, `draw`, `stats`, `build` and `train`.
import { relative, resolve } from 'node:path';
import { printDetector, printTrain } from '../format/print.js';
import { CHECKPOINT_EVERY, CHECKPOINT_KEEP } from '../semantics/defaults.js';
import type { DetectorIR, PyramidNetworkIR, SearchSpaceIR, TrainIR } from '../semantics/ir.js';
import { proxyProblem, readProxyOptions, trialDetector, trialRecipe } from './proxy-budget.js';
import type { RewardSpec, TrialRecord } from './records.js';
import { checkText } from '../semantics/program.js';
import { decisionsToPyramid } from './space.js';

/** The best `top` finished trials, one per architecture (hash), best first; ties go to the earlier trial. */
export function bestTrials(trials: readonly TrialRecord[], top: number): TrialRecord[] {
  const seen = new Set<string>();
  return trials
    .filter((t) => t.status === 'finished' && t.reward !== null && t.duplicateOf === null)
    .sort((a, b) => b.reward! - a.reward! || a.id - b.id)
    .filter((t) => !seen.has(t.hash) && seen.add(t.hash))
    .slice(0, top);
}

/** What an exported file is written around: the run's space and reward, and the folder it goes to. */
export interface ExportContext {
  space: SearchSpaceIR | null;
  /** The run's reward; a proxy reward's detector, budget and dataset become the file's detector and recipe. */
  reward: RewardSpec | null;
  /** The folder the file is written into: the recipe's data folder is written relative to it. */
  dir: string;
}

/** The detector around a trial's pyramid and, when the reward trained it, the recipe that trained it. */
interface Around {
  detector: DetectorIR;
  recipe: TrainIR | null;
}

function aroundOf(trial: TrialRecord, context: ExportContext): Around | null {
  const { space, reward } = context;
  if (!space) return null;
  if (reward?.name === 'proxy') {
    const options = readProxyOptions(reward);
    if (proxyProblem(space, options) === null) {
      // The detector exactly as the reward trained and scored this trial.
      const pyramid = trialPyramid(trial, space);
      const base = space.proxyRecipe?.detector ?? space.proxy!;
      const detector = trialDetector(space, options, pyramid, trial.metrics.classes ?? base.head.classes);
      const data = resolve(options.data ?? space.proxyRecipe!.data.path);
      // The space's own recipe when it names one (the reward only shortened it, which a longer run should not
      // inherit); else the reward's budget, with the trial's seed, checkpointing as a run does (a trial does not).
      if (space.proxyRecipe) return { detector, recipe: { ...space.proxyRecipe, detector, data: { written: data, path: data } } };
      const recipe = trialRecipe(space, options, detector, trial.id, data);
      return { detector, recipe: { ...recipe, checkpoint: { every: CHECKPOINT_EVERY, keep: CHECKPOINT_KEEP } } };
    }
  }
  const detector = space.proxyRecipe?.detector ?? space.proxy;
  return detector ? { detector, recipe: space.proxyRecipe } : null;
}

/** The pyramid a trial scored: built from its decisions, or (a study's pyramid given outright, no decisions) read from its text. */
function trialPyramid(trial: TrialRecord, space: SearchSpaceIR): PyramidNetworkIR {
  if (trial.decisions.length) return decisionsToPyramid(space, trial.decisions, 'exported');
  const pyramid = checkText(trial.fpn, `trial ${trial.id}`).program?.pyramids[0];
  if (!pyramid) throw new Error(`trial ${trial.id}'s architecture text does not check`);
  return pyramid;
}

/**
 * The .fpn text of one exported architecture: its pyramid renamed `topRANK`, the space's proxy detector around
 * it, and a train recipe for that detector when the run's reward trained one (as the reward trained it).
 */
export function exportText(trial: TrialRecord, rank: number, context: ExportContext): string {
  const pyramid = `top${rank}`;
  const spaceName = context.space?.name ?? 'search';
  const header = `# Search ${spaceName}: rank ${rank}, trial ${trial.id}, reward ${trial.reward}, hash ${trial.hash.slice(0, 16)}\n`;
  const body = trial.fpn
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .replace(/^pyramid \S+ \{/m, `pyramid ${pyramid} {`);
  const around = aroundOf(trial, context);
  if (!around) return header + body;
  const detector = `${pyramid}_${around.detector.name}`;
  let text = header + body + '\n' + printDetector(around.detector, detector, pyramid);
  if (around.recipe) {
    const data = relative(context.dir, around.recipe.data.path) || '.';
    const budget = trial.metrics.steps !== undefined ? ` (the search trained it ${trial.metrics.steps} steps for its reward)` : '';
    text += `\n# The proxy recipe of the search${budget}.\n`;
    text += printTrain(around.recipe, `${pyramid}_train`, detector, data);
  }
  return text;
}
