// The binary ops a merging cell may use. Adding an op (say a weighted sum) means adding an entry here and
// its layer in src/codegen: the grammar already accepts any op name with key=value options.
import type { OpOption } from '../parser/ast.js';
import { coarserInput, type BinaryOp, type Level, type OpKind } from './ir.js';
import type { Reporter } from './report.js';
import { didYouMean } from './suggest.js';

export interface OpCall {
  /** Names and levels of the cell's two (already resolved) inputs, in the order written. */
  inputNames: [string, string];
  inputLevels: [Level, Level];
  options: OpOption[];
}

export interface OpDefinition {
  kind: OpKind;
  summary: string;
  options: Record<string, { values: string; default: string }>;
  /** The op with its options resolved, or null after reporting what is wrong with the options. */
  resolve(call: OpCall, report: Reporter): BinaryOp | null;
}

function rejectUnknownOptions(call: OpCall, known: string[], opName: string, report: Reporter): boolean {
  let ok = true;
  const seen = new Set<string>();
  for (const option of call.options) {
    const key = option.key.text;
    if (!known.includes(key)) {
      ok = false;
      report.error(
        'FPN111', option.key.range, `${opName} has no option '${key}'.${didYouMean(key, known)}`,
        known.length ? `${opName} takes ${known.map((k) => `${k}=…`).join(', ')}` : `${opName} takes no options: remove '${key}=…'`,
      );
    } else if (seen.has(key)) {
      ok = false;
      report.error('FPN111', option.key.range, `option '${key}' is given twice`, 'keep one of them');
    }
    seen.add(key);
  }
  return ok;
}

const optionText = (call: OpCall, key: string): { text: string; option: OpOption } | null => {
  const option = call.options.find((o) => o.key.text === key);
  if (!option) return null;
  const v = option.value;
  return { text: v.kind === 'name' || v.kind === 'number' ? v.text : v.kind === 'string' ? v.value : '@', option };
};

export const OPS: Record<string, OpDefinition> = {
  sum: {
    kind: 'sum',
    summary: 'elementwise sum of the two resampled inputs',
    options: {},
    resolve(call, report) {
      return rejectUnknownOptions(call, [], 'sum', report) ? { kind: 'sum' } : null;
    },
  },
  global_pool: {
    kind: 'global_pool',
    summary: 'g + x·σ(pool(g)): the pooled input g gates the other input x (the paper\'s "global pooling")',
    options: {
      pool: { values: 'max | avg', default: 'max (the TF reference; mmdetection uses avg)' },
      pooled: { values: 'coarser | finer | <input name>', default: 'coarser (the TF reference: the input at the higher level; the first on a tie)' },
    },
    resolve(call, report) {
      if (!rejectUnknownOptions(call, ['pool', 'pooled'], 'global_pool', report)) return null;
      let pool: 'max' | 'avg' = 'max';
      const poolOption = optionText(call, 'pool');
      if (poolOption) {
        if (poolOption.text !== 'max' && poolOption.text !== 'avg') {
          report.error('FPN111', poolOption.option.value.range, `pool must be max or avg, not '${poolOption.text}'`,
            'pool=max takes the per-channel global max (TF reference), pool=avg the mean (mmdetection)');
          return null;
        }
        pool = poolOption.text;
      }
      const [l0, l1] = call.inputLevels;
      let pooled = coarserInput(l0, l1);
      const pooledOption = optionText(call, 'pooled');
      if (pooledOption) {
        const t = pooledOption.text;
        if (t === 'coarser') pooled = coarserInput(l0, l1);
        else if (t === 'finer') pooled = coarserInput(l0, l1) === 0 ? 1 : 0;
        else if (t === call.inputNames[0]) pooled = 0;
        else if (t === call.inputNames[1]) pooled = 1;
        else {
          report.error('FPN111', pooledOption.option.value.range,
            `pooled must be coarser, finer or one of this cell's inputs (${call.inputNames.join(', ')}), not '${t}'`,
            'name the input whose global pool gates the other one');
          return null;
        }
      }
      return { kind: 'global_pool', pool, pooled };
    },
  },
};

export const OP_NAMES = Object.keys(OPS);
