// Checks a `detector` declaration: the backbone, the pyramid it stacks (by name) with repeats and width, the
// levels, conv kind, DropBlock, anytime heads, input size and the RetinaNet head. Unset fields take the
// defaults of ./defaults.ts (each with its [TPU] config source); sizes beyond ./limits.ts are refused (FPN220).
import type { Declaration, Setting } from '../parser/ast.js';
import type { SourceRange } from '../diagnostics/diagnostics.js';
import * as D from './defaults.js';
import type { Backbone, DetectorIR, PyramidNetworkIR, RetinaNetHead } from './ir.js';
import { levelName } from './levels.js';
import { MAX_ANCHORS_PER_LOCATION, MAX_CLASSES, MAX_HEAD_CONVS, MAX_INPUT_SIZE, MAX_REPEATS, MAX_WIDTH } from './limits.js';
import { readLevelRange, type LevelRange } from './pyramid.js';
import type { Reporter } from './report.js';
import { backboneFeedProblem } from './rules.js';
import {
  describeValue, fieldNames, fieldsSetting, numberSetting, readFields, readSettings, rejectExtra, spanOf, type FieldValues, type SettingSpec,
} from './settings.js';
import { typo } from './suggest.js';
import { replaceWith } from './fixes.js';

export const BACKBONES = ['resnet10', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'mobilenet_v2'] as const;

const USAGE = {
  backbone: 'backbone resnet50   (resnet10|18|34|50|101, or mobilenet_v2 [width 1.0])',
  pyramid: 'pyramid NAME x 7 @ 256   (the pyramid, stacked 7 times, 256 channels wide)',
  levels: 'levels P3..P7',
  conv: 'conv standard | separable',
  dropblock: 'dropblock size 3 keep 0.9',
  anytime: 'anytime heads',
  input: 'input 640',
  head: 'head retinanet convs 4 width 256 classes 91 anchors scales 3 ratios 1 2 0.5 size 4 prior 0.01 focal alpha 0.25 gamma 1.5',
  batchnorm: 'batchnorm momentum 0.997 epsilon 0.0001',
};

interface PyramidRef {
  name: Setting['values'][number] & { kind: 'name' };
  repeats: number;
  width: number;
}

const readBackbone = (s: Setting, r: Reporter): Backbone | null => {
  const v = s.values[0];
  if (!v || v.kind !== 'name') {
    r.error('FPN210', v?.range ?? s.key.range, 'the backbone needs a name', `write it as: ${USAGE.backbone}`);
    return null;
  }
  const resnet = /^resnet(\d+)$/.exec(v.text);
  if (resnet && ['10', '18', '34', '50', '101'].includes(resnet[1])) {
    return rejectExtra(s, 1, r, USAGE.backbone) ? { kind: 'resnet', depth: Number(resnet[1]) as 10 } : null;
  }
  if (v.text === 'mobilenet_v2') {
    const fields = readFields(s.values.slice(1), { width: { number: { above: 0, max: 4 } } }, r, 'mobilenet_v2', USAGE.backbone);
    return fields ? { kind: 'mobilenet_v2', widthMultiplier: (fields.width as number | undefined) ?? D.MOBILENET_V2_DEFAULT_WIDTH } : null;
  }
  const { didYouMean, fixes } = typo(v, BACKBONES);
  r.error('FPN210', v.range, `unknown backbone '${v.text}'.${didYouMean}`, `the backbones are ${BACKBONES.join(', ')}`, { fixes });
  return null;
};

const readPyramidRef = (s: Setting, r: Reporter): PyramidRef | null => {
  const [name, x, repeats, at, width] = s.values;
  if (!name || name.kind !== 'name') {
    r.error('FPN202', name?.range ?? s.key.range, 'expected the name of a pyramid', `write it as: ${USAGE.pyramid}`);
    return null;
  }
  if (!x || x.kind !== 'name' || x.text !== 'x' || !at || at.kind !== 'at') {
    r.error('FPN202', (x ?? name).range, `expected 'x REPEATS @ WIDTH' after the pyramid name`, `write it as: ${USAGE.pyramid}`);
    return null;
  }
  const count = repeats?.kind === 'number' ? repeats.value : NaN;
  if (!(Number.isInteger(count) && count >= 1)) {
    r.error('FPN212', repeats.range, `the pyramid must be stacked a whole number of times, at least 1 (found ${describeValue(repeats)})`,
      `write it as: ${USAGE.pyramid}`);
    return null;
  }
  const w = width?.kind === 'number' ? width.value : NaN;
  if (!(Number.isInteger(w) && w > 0)) {
    r.error('FPN213', (width ?? at).range, `the feature width must be a whole number greater than 0 (found ${width ? describeValue(width) : 'nothing'})`,
      `write it as: ${USAGE.pyramid}`);
    return null;
  }
  if (w % 8 !== 0) {
    const rounded = Math.max(8, Math.round(w / 8) * 8);
    r.warning('FPN214', width.range, `a feature width of ${w} is not a multiple of 8`, 'widths that are multiples of 8 run faster on most hardware (the paper uses 48, 64, 128, 256, 384)',
      { fixes: [replaceWith(width.range, String(rounded))] });
  }
  return rejectExtra(s, 5, r, USAGE.pyramid) ? { name, repeats: count, width: w } : null;
};

/** A setting that is one of a few words, e.g. `conv separable`. */
const wordSetting = <T extends string>(words: readonly T[], usage: string): SettingSpec<T> => ({
  usage,
  words,
  read(s: Setting, r: Reporter): T | null {
    const v = s.values[0];
    if (!v || v.kind !== 'name' || !words.includes(v.text as T)) {
      r.error('FPN202', v?.range ?? s.key.range, `'${s.key.text}' must be ${words.join(' or ')}${v ? `, not ${describeValue(v)}` : ''}`, `write it as: ${usage}`);
      return null;
    }
    return rejectExtra(s, 1, r, usage) ? (v.text as T) : null;
  },
});

const headFields = {
  convs: { number: { integer: true, min: 0 } },
  width: { number: { integer: true, above: 0 } },
  classes: { number: { integer: true, min: 1 } },
  anchors: {
    group: {
      scales: { number: { integer: true, min: 1 } },
      ratios: { numbers: { above: 0 } },
      size: { number: { above: 0 } },
    },
  },
  prior: { number: { above: 0, max: 0.999999 } },
  focal: { group: { alpha: { number: { min: 0, max: 1 } }, gamma: { number: { min: 0 } } } },
} as const;

const readHead = (s: Setting, r: Reporter): FieldValues | null => {
  const v = s.values[0];
  if (!v || v.kind !== 'name' || v.text !== 'retinanet') {
    r.error('FPN216', v?.range ?? s.key.range, v ? `unknown head '${describeValue(v)}'` : 'the head needs a kind', `the head is retinanet: ${USAGE.head}`);
    return null;
  }
  return readFields(s.values.slice(1), headFields, r, 'head', USAGE.head);
};

/** The settings of a detector. */
export const detectorSettings = {
  backbone: { usage: USAGE.backbone, required: true, read: readBackbone, words: [...BACKBONES, 'width'] } satisfies SettingSpec<Backbone>,
  pyramid: { usage: USAGE.pyramid, required: true, read: readPyramidRef, names: ['pyramid'] as const } satisfies SettingSpec<PyramidRef>,
  levels: { usage: USAGE.levels, read: (s: Setting, r: Reporter) => readLevelRange(s, r, USAGE.levels) } satisfies SettingSpec<LevelRange>,
  conv: wordSetting(['standard', 'separable'] as const, USAGE.conv),
  dropblock: fieldsSetting(USAGE.dropblock, 'dropblock', { size: { number: { integer: true, min: 1 } }, keep: { number: { above: 0, max: 1 } } }),
  anytime: wordSetting(['heads'] as const, USAGE.anytime),
  input: numberSetting(USAGE.input, 'the input size', { integer: true, above: 0 }),
  head: { usage: USAGE.head, read: readHead, words: ['retinanet', ...fieldNames(headFields)] } satisfies SettingSpec<FieldValues>,
  batchnorm: fieldsSetting(USAGE.batchnorm, 'batchnorm', { momentum: { number: { min: 0, max: 1 } }, epsilon: { number: { above: 0 } } }),
};

export function checkDetector(declaration: Declaration, pyramids: ReadonlyMap<string, PyramidNetworkIR | null>, report: Reporter): DetectorIR | null {
  const errorsBefore = report.errorCount;
  const s = readSettings(declaration, detectorSettings, report);
  const ref = s.pyramid?.value;
  let pyramid: PyramidNetworkIR | null = null;
  if (ref) {
    if (!pyramids.has(ref.name.text)) {
      const { didYouMean, fixes } = typo(ref.name, pyramids.keys());
      report.error('FPN211', ref.name.range, `no pyramid named '${ref.name.text}'.${didYouMean}`,
        pyramids.size ? `the pyramids in scope are ${[...pyramids.keys()].join(', ')}; import others with import "file.fpn"` : 'declare it with pyramid NAME { … } or import it with import "file.fpn"',
        { fixes });
    } else {
      report.use({ kind: 'pyramid', name: ref.name.text, range: ref.name.range });
      pyramid = pyramids.get(ref.name.text) ?? null; // null: it has errors of its own, already reported
    }
  }

  if (pyramid && s.levels) {
    const { minLevel, maxLevel } = s.levels.value;
    if (minLevel !== pyramid.minLevel || maxLevel !== pyramid.maxLevel) {
      const levels = s.levels.setting.values;
      report.error('FPN215', levels[0].range,
        `the detector's levels ${levelName(minLevel)}..${levelName(maxLevel)} differ from pyramid '${pyramid.name}' (${levelName(pyramid.minLevel)}..${levelName(pyramid.maxLevel)})`,
        `predict on the pyramid's levels: levels ${levelName(pyramid.minLevel)}..${levelName(pyramid.maxLevel)}`,
        { fixes: [replaceWith(spanOf(levels, levels[0].range), `${levelName(pyramid.minLevel)}..${levelName(pyramid.maxLevel)}`)] });
    }
  }
  const inputSize = s.input?.value ?? D.DEFAULT_INPUT_SIZE;
  if (pyramid) {
    const multiple = 2 ** pyramid.maxLevel;
    if (inputSize % multiple !== 0) {
      const lower = Math.max(multiple, Math.floor(inputSize / multiple) * multiple);
      const written = s.input?.setting.values[0];
      report.error('FPN217', written?.range ?? declaration.name.range,
        `the input size ${inputSize} is not a multiple of ${multiple}, the stride of ${levelName(pyramid.maxLevel)}`,
        `use ${lower} or ${lower + multiple} (images are padded to a multiple of 2^max_level, as in the reference)`,
        { fixes: written ? [replaceWith(written.range, String(lower)), replaceWith(written.range, String(lower + multiple))] : [] });
    }
    const feedProblem = backboneFeedProblem(pyramid.minLevel, pyramid.maxLevel);
    if (s.backbone && feedProblem) {
      report.error('FPN219', ref?.name.range ?? declaration.name.range,
        `the backbone cannot feed pyramid '${pyramid.name}' (${levelName(pyramid.minLevel)}..${levelName(pyramid.maxLevel)}): ${feedProblem}`,
        'stack a pyramid whose inputs start at P3, P4 or P5 (e.g. inputs P3..P7)');
    }
  }
  checkSizes(declaration, s, report);
  if (report.errorCount > errorsBefore || !pyramid || !ref || !s.backbone) return null;

  const width = ref.width;
  const h = s.head?.value ?? {};
  const anchors = (h.anchors ?? {}) as FieldValues;
  const focal = (h.focal ?? {}) as FieldValues;
  const head: RetinaNetHead = {
    kind: 'retinanet',
    convs: (h.convs as number | undefined) ?? D.DEFAULT_HEAD_CONVS,
    width: (h.width as number | undefined) ?? width,
    classes: (h.classes as number | undefined) ?? D.DEFAULT_CLASSES,
    anchors: {
      scales: (anchors.scales as number | undefined) ?? D.DEFAULT_ANCHOR_SCALES,
      ratios: (anchors.ratios as number[] | undefined) ?? [...D.DEFAULT_ANCHOR_RATIOS],
      size: (anchors.size as number | undefined) ?? D.DEFAULT_ANCHOR_SIZE,
    },
    prior: (h.prior as number | undefined) ?? D.CLASS_PRIOR,
    focal: { alpha: (focal.alpha as number | undefined) ?? D.FOCAL_ALPHA, gamma: (focal.gamma as number | undefined) ?? D.FOCAL_GAMMA },
  };
  const dropblock = s.dropblock
    ? { size: (s.dropblock.value.size as number | undefined) ?? D.DROPBLOCK_SIZE, keepProb: (s.dropblock.value.keep as number | undefined) ?? D.DROPBLOCK_KEEP_PROB }
    : null;
  const bn = s.batchnorm?.value ?? {};
  return {
    name: declaration.name.text,
    backbone: s.backbone.value,
    pyramid: structuredClone(pyramid),
    repeats: ref.repeats,
    width,
    minLevel: pyramid.minLevel,
    maxLevel: pyramid.maxLevel,
    conv: s.conv?.value ?? 'standard',
    dropblock,
    anytimeHeads: s.anytime?.value === 'heads',
    inputSize,
    head,
    batchNorm: { momentum: (bn.momentum as number | undefined) ?? D.BATCH_NORM_MOMENTUM, epsilon: (bn.epsilon as number | undefined) ?? D.BATCH_NORM_EPSILON },
  };
}

type DetectorSettings = ReturnType<typeof readSettings<typeof detectorSettings>>;

/**
 * Refuses sizes beyond ./limits.ts (FPN220) before anything is counted or built: a stack of 100000 pyramids
 * or a 10^6-channel head is a typo or an attack, and would otherwise cost minutes and gigabytes downstream.
 */
function checkSizes(declaration: Declaration, s: DetectorSettings, report: Reporter): void {
  const tooLarge = (value: number | undefined, limit: number, range: SourceRange | undefined, what: string) => {
    if (value === undefined || value <= limit) return;
    report.error('FPN220', range ?? declaration.name.range, `${what} (${value}) is more than this toolkit builds: at most ${limit}`,
      `use at most ${limit}; the limits are listed under FPN220 in docs/diagnostics.md`);
  };
  const pyramid = s.pyramid;
  if (pyramid) {
    const [, , repeats, , width] = pyramid.setting.values;
    tooLarge(pyramid.value.repeats, MAX_REPEATS, repeats?.range, 'the number of stacked pyramids');
    tooLarge(pyramid.value.width, MAX_WIDTH, width?.range, 'the feature width');
  }
  tooLarge(s.input?.value, MAX_INPUT_SIZE, s.input?.setting.values[0].range, 'the input size');
  const head = s.head;
  if (head) {
    const where = (key: string) => head.setting.values.find((v) => v.kind === 'name' && v.text === key)?.range ?? head.setting.range;
    const anchors = (head.value.anchors ?? {}) as FieldValues;
    tooLarge(head.value.classes as number | undefined, MAX_CLASSES, where('classes'), 'the class count');
    tooLarge(head.value.width as number | undefined, MAX_WIDTH, where('width'), 'the head width');
    tooLarge(head.value.convs as number | undefined, MAX_HEAD_CONVS, where('convs'), 'the convs per head tower');
    const perLocation = ((anchors.scales as number | undefined) ?? D.DEFAULT_ANCHOR_SCALES) *
      ((anchors.ratios as number[] | undefined) ?? D.DEFAULT_ANCHOR_RATIOS).length;
    tooLarge(perLocation, MAX_ANCHORS_PER_LOCATION, where('anchors'), 'the anchors per location (scales × ratios)');
  }
}

