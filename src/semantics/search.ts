// Checks a `search` declaration: the space the architecture search samples pyramids from (the paper's §3.1:
// input levels, number of cells, output levels, binary ops) and the detector used as the proxy task.
import type { Declaration, Setting } from '../parser/ast.js';
import type { DetectorIR, OpKind, SearchSpaceIR, TrainIR } from './ir.js';
import { levelName } from './levels.js';
import { OP_NAMES, opNamed } from './ops.js';
import { allowStride8Setting, readLevelRange, type LevelRange } from './pyramid.js';
import { MAX_CELLS } from './limits.js';
import type { Reporter } from './report.js';
import { requiredOutputLevels } from './rules.js';
import { describeValue, numberSetting, readSettings, rejectExtra, type SettingSpec } from './settings.js';
import { typo } from './suggest.js';

const USAGE = {
  inputs: 'inputs P3..P7',
  cells: 'cells 7',
  outputs: 'outputs P3..P7',
  ops: 'ops sum global_pool',
  pool: 'pool max | avg',
  proxy: 'proxy DETECTOR | proxy TRAIN   (a detector, or a train recipe for one, declared or imported in this file)',
};

/** The settings of a search space. */
export const searchSettings = {
  inputs: { usage: USAGE.inputs, required: true, read: (s: Setting, r: Reporter) => readLevelRange(s, r, USAGE.inputs) } satisfies SettingSpec<LevelRange>,
  cells: numberSetting(USAGE.cells, 'the number of cells', { integer: true, min: 1 }, true),
  outputs: { usage: USAGE.outputs, read: (s: Setting, r: Reporter) => readLevelRange(s, r, USAGE.outputs) } satisfies SettingSpec<LevelRange>,
  ops: {
    usage: USAGE.ops,
    words: OP_NAMES,
    read(s: Setting, r: Reporter): OpKind[] | null {
      const ops: OpKind[] = [];
      for (const v of s.values) {
        const definition = v.kind === 'name' ? opNamed(v.text) : undefined;
        if (!definition) {
          const { didYouMean, fixes } = v.kind === 'name' ? typo(v, OP_NAMES) : { didYouMean: '', fixes: [] };
          r.error('FPN110', v.range, `unknown op '${describeValue(v)}'.${didYouMean}`, `the binary ops are ${OP_NAMES.join(', ')}`, { fixes });
          return null;
        }
        if (!ops.includes(definition.kind)) ops.push(definition.kind);
      }
      if (!ops.length) {
        r.error('FPN202', s.key.range, 'the search needs at least one op', `write it as: ${USAGE.ops}`);
        return null;
      }
      return ops;
    },
  } satisfies SettingSpec<OpKind[]>,
  pool: {
    usage: USAGE.pool,
    words: ['max', 'avg'],
    read(s: Setting, r: Reporter): 'max' | 'avg' | null {
      const v = s.values[0];
      if (!v || v.kind !== 'name' || (v.text !== 'max' && v.text !== 'avg')) {
        r.error('FPN202', v?.range ?? s.key.range, 'pool must be max or avg', `write it as: ${USAGE.pool}`);
        return null;
      }
      return rejectExtra(s, 1, r, USAGE.pool) ? v.text : null;
    },
  } satisfies SettingSpec<'max' | 'avg'>,
  allow: allowStride8Setting,
  proxy: {
    usage: USAGE.proxy,
    names: ['detector', 'train'] as const,
    read(s: Setting, r: Reporter) {
      const v = s.values[0];
      if (!v || v.kind !== 'name') {
        r.error('FPN202', v?.range ?? s.key.range, 'proxy needs the name of a detector or of a train recipe', `write it as: ${USAGE.proxy}`);
        return null;
      }
      return rejectExtra(s, 1, r, USAGE.proxy) ? v : null;
    },
  },
};

export function checkSearch(
  declaration: Declaration, detectors: ReadonlyMap<string, DetectorIR | null>, trains: ReadonlyMap<string, TrainIR | null>, report: Reporter,
): SearchSpaceIR | null {
  const errorsBefore = report.errorCount;
  const s = readSettings(declaration, searchSettings, report);
  if (!s.inputs || !s.cells) return null;
  const { minLevel, maxLevel } = s.inputs.value;
  const outputs = s.outputs?.value ?? s.inputs.value;
  if (s.outputs && (outputs.minLevel < minLevel || outputs.maxLevel > maxLevel)) {
    report.error('FPN300', s.outputs.setting.values[0].range,
      `the outputs ${levelName(outputs.minLevel)}..${levelName(outputs.maxLevel)} reach outside the inputs ${levelName(minLevel)}..${levelName(maxLevel)}`,
      'a pyramid network outputs the levels it takes in, so it can be stacked');
  }
  if (s.cells.value > MAX_CELLS) {
    report.error('FPN220', s.cells.setting.values[0].range, `the number of cells (${s.cells.value}) is more than this toolkit builds: at most ${MAX_CELLS}`,
      `use at most ${MAX_CELLS} cells; the limits are listed under FPN220 in docs/diagnostics.md`);
  }
  const outputCount = outputs.maxLevel - outputs.minLevel + 1;
  if (s.cells.value < outputCount) {
    report.error('FPN300', s.cells.setting.values[0].range, `${s.cells.value} cells cannot produce ${outputCount} output levels`,
      `the last ${outputCount} cells are the outputs: use at least cells ${outputCount}`);
  }
  // The proxy task: a detector (trained with the reward's budget), or a train recipe (its detector, trained as it says).
  let proxy: DetectorIR | null = null;
  let proxyRecipe: TrainIR | null = null;
  if (s.proxy) {
    const name = s.proxy.value;
    if (detectors.has(name.text) && trains.has(name.text)) {
      report.error('FPN202', name.range, `'${name.text}' names both a detector and a train recipe`,
        'rename one of them, so that proxy says which: a detector, or the recipe that trains it');
    } else if (!detectors.has(name.text) && !trains.has(name.text)) {
      const { didYouMean, fixes } = typo(name, [...detectors.keys(), ...trains.keys()]);
      report.error('FPN218', name.range, `no detector named '${name.text}'.${didYouMean}`,
        'declare the proxy detector in this file or import it', { fixes });
    } else {
      report.use({ kind: trains.has(name.text) ? 'train' : 'detector', name: name.text, range: name.range });
      // null: the declaration has errors of its own, already reported.
      proxyRecipe = trains.get(name.text) ?? null;
      proxy = proxyRecipe ? proxyRecipe.detector : detectors.get(name.text) ?? null;
      if (proxy && (proxy.minLevel !== minLevel || proxy.maxLevel !== maxLevel)) {
        report.error('FPN300', name.range, `the proxy detector predicts on ${levelName(proxy.minLevel)}..${levelName(proxy.maxLevel)}, the search space on ${levelName(minLevel)}..${levelName(maxLevel)}`,
          'use a proxy detector with the same levels');
      }
    }
  }
  if (report.errorCount > errorsBefore) return null;
  const outputLevels = requiredOutputLevels(outputs.minLevel, outputs.maxLevel);
  return {
    name: declaration.name.text,
    minLevel,
    maxLevel,
    cells: s.cells.value,
    outputLevels,
    ops: s.ops?.value ?? ['sum', 'global_pool'],
    pool: s.pool?.value ?? 'max',
    allowStride8Intermediates: s.allow?.value === true,
    proxy: proxy ? structuredClone(proxy) : null,
    proxyRecipe: proxyRecipe ? structuredClone(proxyRecipe) : null,
  };
}
