// The binary ops a merging cell may use. The grammar accepts any op name with key=value options, so an op
// needs no grammar change; its meaning lives in one entry here and in one exhaustive `switch` per consumer.
//
// Adding an op kind: add its interface to `BinaryOp` in ir.ts and run `npm run typecheck`. Every place that
// must handle it fails to compile until it does (each dispatch on `op.kind` is an exhaustive switch ending
// in assertNever, and `OPS` below is keyed by every OpKind). Today those places are:
//   - here, OPS: the op's name, options and how the checker resolves them;
//   - semantics/hash.ts: its part of the structural hash (symmetric or not);
//   - format/print.ts: how it is printed back as .fpn text;
//   - interop/tfspec.ts: its TF block-spec `combine` name, or a diagnostic that the spec cannot express it;
//   - codegen/lower.ts: its layers in the model spec (lowerCell) and its note in the emitted code (describeOp);
//     a new layer kind then fails codegen/spec.ts consumers the same way: calls.ts (builder and emitter),
//     graph.ts (shape inference), count.ts (parameters and MACs), and layers.ts for a custom layer;
//   - viz/cells.ts (the op box of Figure 6) and viz/graph.ts (its dot glyph and legend entry);
//   - docs/language.md (the op table), and a check fixture under test/fixtures/check.
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

export interface OpDefinition<K extends OpKind = OpKind> {
  kind: K;
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

/** One entry per op kind, keyed by the name a .fpn file calls it by (which is its kind). */
export const OPS: { [K in OpKind]: OpDefinition<K> } = {
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
  wsum: {
    kind: 'wsum',
    summary: 'weighted sum with two learned weights, (relu(w0)·a + relu(w1)·b) / (relu(w0) + relu(w1) + 0.0001) (BiFPN\'s fast normalized fusion)',
    options: {},
    resolve(call, report) {
      return rejectUnknownOptions(call, [], 'wsum', report) ? { kind: 'wsum' } : null;
    },
  },
};

export const OP_NAMES = Object.keys(OPS) as OpKind[];

/** The definition of the op a file calls `name`, or undefined for an unknown name. */
export const opNamed = (name: string): OpDefinition | undefined =>
  Object.hasOwn(OPS, name) ? OPS[name as OpKind] : undefined;
