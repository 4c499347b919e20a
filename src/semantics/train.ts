// Checks a `train` declaration: the recipe of a training run (detector, data folder, length, batch, learning
// rate schedule, optimiser, augmentation, checkpoints), so that a run is reproducible from the .fpn file
// alone, as detection toolkits' config files are. Defaults are the paper's schedule as the TF reference
// runs it ([TPU] configs/retinanet_config.py, configs/base_config.py; semantics/defaults.ts names each number).
import type { Declaration, Setting } from '../parser/ast.js';
import type { PathRules } from '../util/posix-path.js';
import type { DecaySchedule, DetectorIR, TrainIR } from './ir.js';
import type { Reporter } from './report.js';
import {
  checkNumber, describeValue, fieldsSetting, numberSetting, readFields, readSettings, rejectExtra, type SettingSpec,
} from './settings.js';
import { typo } from './suggest.js';
import * as D from './defaults.js';

const USAGE = {
  detector: 'detector NAME   (a detector declared or imported in this file)',
  data: 'data "path/to/dataset"   (a folder made by `nasfpn data`, relative to this file)',
  epochs: 'epochs 50',
  steps: 'steps 90000',
  batch: 'batch 64',
  lr: 'lr 0.08 per 64   (the rate at 64 images per step; scaled by batch/64)',
  warmup: 'warmup 500 from 0.0067   (linear over 500 steps; warmup 0 turns it off)',
  decay: 'decay epochs 30 40 factor 0.1 | decay steps 60000 80000 | decay cosine | decay none',
  momentum: 'momentum 0.9',
  weight_decay: 'weight_decay 0.0001',
  jitter: 'jitter 0.8 1.2   (scale range; jitter 1 1 turns it off)',
  flip: 'flip 0.5   (probability of a horizontal flip)',
  clip: 'clip 10   (gradient global-norm limit; clip 0 turns it off)',
  checkpoint: 'checkpoint every 1000 keep 3',
  eval: 'eval every 5000 images 500   (images: at most that many val images; eval every 0 only evaluates on request)',
  log: 'log every 20',
  seed: 'seed 1',
};

const readName = (usage: string, what: string) => (s: Setting, r: Reporter) => {
  const v = s.values[0];
  if (!v || v.kind !== 'name') {
    r.error('FPN202', v?.range ?? s.key.range, `${s.key.text} needs ${what}`, `write it as: ${usage}`);
    return null;
  }
  return rejectExtra(s, 1, r, usage) ? v : null;
};

const readDataPath = (s: Setting, r: Reporter): string | null => {
  const v = s.values[0];
  if (!v || v.kind !== 'string' || v.value === '') {
    r.error('FPN202', v?.range ?? s.key.range, `data needs the dataset folder as a quoted path${v ? `, not ${describeValue(v)}` : ''}`, `write it as: ${USAGE.data}`);
    return null;
  }
  return rejectExtra(s, 1, r, USAGE.data) ? v.value : null;
};

/** `lr 0.08 [per 64]`. */
const readLearningRate = (s: Setting, r: Reporter): { base: number; perBatch: number } | null => {
  const base = checkNumber(s.values[0], 'the learning rate', { above: 0, max: 10 }, r, s.key.range, USAGE.lr);
  if (base === null) return null;
  const fields = readFields(s.values.slice(1), { per: { number: { integer: true, min: 1 } } }, r, 'lr', USAGE.lr);
  return fields ? { base, perBatch: (fields.per as number | undefined) ?? D.BASE_BATCH_SIZE } : null;
};

/** `warmup 500 [from 0.0067]`. */
const readWarmup = (s: Setting, r: Reporter): { steps: number; from: number } | null => {
  const steps = checkNumber(s.values[0], 'the warm-up length', { integer: true, min: 0 }, r, s.key.range, USAGE.warmup);
  if (steps === null) return null;
  const fields = readFields(s.values.slice(1), { from: { number: { min: 0 } } }, r, 'warmup', USAGE.warmup);
  return fields ? { steps, from: (fields.from as number | undefined) ?? D.WARMUP_LEARNING_RATE } : null;
};

const readDecay = (s: Setting, r: Reporter): DecaySchedule | null => {
  const first = s.values[0];
  if (first?.kind === 'name' && (first.text === 'cosine' || first.text === 'none')) {
    return rejectExtra(s, 1, r, USAGE.decay) ? { kind: first.text } : null;
  }
  const fields = readFields(s.values, {
    epochs: { numbers: { above: 0 } },
    steps: { numbers: { integer: true, above: 0 } },
    factor: { number: { above: 0, max: 1 } },
  }, r, 'decay', USAGE.decay);
  if (!fields) return null;
  const epochs = fields.epochs as number[] | undefined;
  const steps = fields.steps as number[] | undefined;
  if ((epochs === undefined) === (steps === undefined)) {
    r.error('FPN231', first?.range ?? s.key.range, epochs ? 'decay takes its boundaries in epochs or in steps, not both' : 'decay needs its boundaries (or cosine, or none)',
      `write it as: ${USAGE.decay}`);
    return null;
  }
  const at = (epochs ?? steps)!;
  if (at.some((b, i) => i > 0 && b <= at[i - 1])) {
    r.error('FPN231', s.values[1]?.range ?? s.key.range, `the decay boundaries ${at.join(' ')} must ascend`, 'list each boundary once, in order');
    return null;
  }
  return { kind: 'step', unit: epochs ? 'epochs' : 'steps', at, factor: (fields.factor as number | undefined) ?? D.DECAY_FACTOR };
};

const readJitter = (s: Setting, r: Reporter): { min: number; max: number } | null => {
  const min = checkNumber(s.values[0], 'the smallest jitter scale', { above: 0, max: 4 }, r, s.key.range, USAGE.jitter);
  const max = checkNumber(s.values[1], 'the largest jitter scale', { above: 0, max: 4 }, r, s.values[0]?.range ?? s.key.range, USAGE.jitter);
  if (min === null || max === null || !rejectExtra(s, 2, r, USAGE.jitter)) return null;
  if (min > max) {
    r.error('FPN202', s.values[0].range, `the jitter range ${min}..${max} is empty`, `write the smaller scale first: jitter ${max} ${min}`);
    return null;
  }
  return { min, max };
};

/** The settings of a training recipe. */
export const trainSettings = {
  detector: { usage: USAGE.detector, required: true, read: readName(USAGE.detector, 'the name of a detector'), names: ['detector'] as const },
  data: { usage: USAGE.data, required: true, read: readDataPath } satisfies SettingSpec<string>,
  epochs: numberSetting(USAGE.epochs, 'the number of epochs', { integer: true, min: 1 }),
  steps: numberSetting(USAGE.steps, 'the number of steps', { integer: true, min: 1 }),
  batch: numberSetting(USAGE.batch, 'the batch size', { integer: true, min: 1 }, true),
  lr: { usage: USAGE.lr, read: readLearningRate, words: ['per'] } satisfies SettingSpec<{ base: number; perBatch: number }>,
  warmup: { usage: USAGE.warmup, read: readWarmup, words: ['from'] } satisfies SettingSpec<{ steps: number; from: number }>,
  decay: { usage: USAGE.decay, read: readDecay, words: ['epochs', 'steps', 'factor', 'cosine', 'none'] } satisfies SettingSpec<DecaySchedule>,
  momentum: numberSetting(USAGE.momentum, 'the momentum', { min: 0, max: 0.999999 }),
  weight_decay: numberSetting(USAGE.weight_decay, 'the weight decay', { min: 0, max: 1 }),
  jitter: { usage: USAGE.jitter, read: readJitter } satisfies SettingSpec<{ min: number; max: number }>,
  flip: numberSetting(USAGE.flip, 'the flip probability', { min: 0, max: 1 }),
  clip: numberSetting(USAGE.clip, 'the gradient-norm limit', { min: 0 }),
  checkpoint: fieldsSetting(USAGE.checkpoint, 'checkpoint', { every: { number: { integer: true, min: 1 } }, keep: { number: { integer: true, min: 1 } } }),
  eval: fieldsSetting(USAGE.eval, 'eval', { every: { number: { integer: true, min: 0 } }, images: { number: { integer: true, min: 1 } } }),
  log: fieldsSetting(USAGE.log, 'log', { every: { number: { integer: true, min: 1 } } }),
  seed: numberSetting(USAGE.seed, 'the seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
};

export function checkTrain(
  declaration: Declaration, file: string, paths: PathRules, detectors: ReadonlyMap<string, DetectorIR | null>, report: Reporter,
): TrainIR | null {
  const errorsBefore = report.errorCount;
  const s = readSettings(declaration, trainSettings, report);

  let detector: DetectorIR | null = null;
  if (s.detector) {
    const name = s.detector.value;
    if (!detectors.has(name.text)) {
      const { didYouMean, fixes } = typo(name, detectors.keys());
      report.error('FPN218', name.range, `no detector named '${name.text}'.${didYouMean}`,
        detectors.size ? `the detectors in scope are ${[...detectors.keys()].join(', ')}` : 'declare the detector in this file or import it', { fixes });
    } else {
      report.use({ kind: 'detector', name: name.text, range: name.range });
      detector = detectors.get(name.text) ?? null; // null: it has errors of its own, already reported
    }
  }

  // The run's length: epochs or steps, exactly one (one written with a bad value was reported already).
  const written = new Set(declaration.body.flatMap((st) => (st.kind === 'setting' ? [st.key.text] : [])));
  if (s.epochs && s.steps) {
    report.error('FPN230', s.steps.setting.key.range, `train '${declaration.name.text}' sets both epochs and steps`,
      'keep one: epochs count passes over the train split, steps count batches');
  } else if (!written.has('epochs') && !written.has('steps')) {
    report.error('FPN230', declaration.name.range, `train '${declaration.name.text}' says neither how many epochs nor how many steps`,
      `add a line: ${USAGE.epochs}   or   ${USAGE.steps}`);
  }
  const length = s.epochs ? { unit: 'epochs' as const, count: s.epochs.value } : s.steps ? { unit: 'steps' as const, count: s.steps.value } : null;

  // Decay boundaries must fall inside the run when both are counted in the same unit.
  const decay = s.decay?.value ?? { kind: 'none' };
  if (length && decay.kind === 'step' && decay.unit === length.unit) {
    const outside = decay.at.find((b) => b >= length.count);
    if (outside !== undefined) {
      report.error('FPN231', s.decay!.setting.range, `the decay at ${decay.unit} ${outside} comes after the run ends (${length.count} ${length.unit})`,
        `decay before the last ${length.unit === 'epochs' ? 'epoch' : 'step'}, or lengthen the run`);
    }
  }
  if (length?.unit === 'steps' && s.warmup && s.warmup.value.steps >= length.count) {
    report.error('FPN231', s.warmup.setting.values[0].range, `the warm-up (${s.warmup.value.steps} steps) is as long as the run (${length.count} steps)`,
      'shorten the warm-up, or turn it off with warmup 0');
  }
  const batch = s.batch?.value ?? D.BASE_BATCH_SIZE;
  const lr = s.lr?.value ?? { base: D.BASE_LEARNING_RATE, perBatch: D.BASE_BATCH_SIZE };
  const scale = batch / lr.perBatch;
  const warmup = s.warmup?.value ?? { steps: D.WARMUP_STEPS, from: D.WARMUP_LEARNING_RATE };
  if (s.warmup && warmup.steps > 0 && warmup.from > lr.base) {
    report.error('FPN231', s.warmup.setting.range, `the warm-up starts at ${warmup.from}, above the learning rate ${lr.base} it warms up to`,
      `start lower: warmup ${warmup.steps} from ${+(lr.base / 10).toPrecision(3)}`);
  }

  if (report.errorCount > errorsBefore || !detector || !length || !s.data) return null;
  const checkpoint = s.checkpoint?.value ?? {};
  const evaluation = s.eval?.value ?? {};
  const clip = s.clip?.value ?? 0;
  const evalEvery = (evaluation.every as number | undefined) ?? 0;
  return {
    name: declaration.name.text,
    detector: structuredClone(detector),
    data: { written: s.data.value, path: paths.resolve(paths.dirname(file), s.data.value) },
    length,
    batch,
    learningRate: { base: lr.base, perBatch: lr.perBatch, peak: lr.base * scale },
    warmup: { steps: warmup.steps, from: warmup.from * scale },
    decay,
    momentum: s.momentum?.value ?? D.SGD_MOMENTUM,
    weightDecay: s.weight_decay?.value ?? D.WEIGHT_DECAY,
    jitter: s.jitter?.value ?? { min: D.SCALE_JITTER[0], max: D.SCALE_JITTER[1] },
    flip: s.flip?.value ?? D.FLIP_PROBABILITY,
    clipNorm: clip > 0 ? clip : null,
    checkpoint: { every: (checkpoint.every as number | undefined) ?? D.CHECKPOINT_EVERY, keep: (checkpoint.keep as number | undefined) ?? D.CHECKPOINT_KEEP },
    eval: { every: evalEvery > 0 ? evalEvery : null, images: (evaluation.images as number | undefined) ?? null },
    logEvery: (s.log?.value.every as number | undefined) ?? D.LOG_EVERY,
    seed: s.seed?.value ?? 0,
  };
}
