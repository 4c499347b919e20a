// Reading `key value…` settings (the statements of detectors and search spaces, and a pyramid's options)
// against a schema: unknown keys get a "did you mean", duplicates and missing required ones are reported,
// and values are checked for kind and range. The grammar stays generic; the meaning lives here.
import type { Declaration, Setting, Value } from '../parser/ast.js';
import type { Fix, SourceRange } from '../diagnostics/diagnostics.js';
import type { Reporter } from './report.js';
import { typo } from './suggest.js';
import { insertAt } from './fixes.js';

export interface SettingSpec<T> {
  /** What the setting means and how it is written, for hints and the language docs. */
  usage: string;
  required?: boolean;
  read(setting: Setting, report: Reporter): T | null;
  /** The words its values may be (choices, field names), for editors' completion. */
  words?: readonly string[];
  /** The kinds of declaration its first value may name, for editors' completion. */
  names?: readonly ('pyramid' | 'detector' | 'train')[];
}

export type SettingValues<S> = { [K in keyof S]?: S[K] extends SettingSpec<infer T> ? { value: T; setting: Setting } : never };

export function readSettings<S extends Record<string, SettingSpec<unknown>>>(
  declaration: Declaration,
  specs: S,
  report: Reporter,
  options: { allowCells?: boolean } = {},
): SettingValues<S> {
  const out: Record<string, { value: unknown; setting: Setting }> = Object.create(null);
  const seen = new Map<string, Setting>();
  const keys = Object.keys(specs);
  for (const statement of declaration.body) {
    if (statement.kind === 'cell') {
      if (!options.allowCells) {
        report.error('FPN200', statement.keyword.range, `a ${declaration.kind} has no cells`,
          `cells belong in a pyramid; a ${declaration.kind} refers to a pyramid by name`);
      }
      continue;
    }
    const key = statement.key.text;
    // Own keys only: a setting called `constructor` or `__proto__` is unknown, not Object.prototype's.
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) {
      const { didYouMean, fixes } = typo(statement.key, keys);
      report.error('FPN200', statement.key.range, `unknown ${declaration.kind} setting '${key}'.${didYouMean}`,
        `a ${declaration.kind} takes: ${keys.join(', ')}`, { fixes });
      continue;
    }
    if (seen.has(key)) {
      const first = seen.get(key)!;
      const line = report.wholeLine(statement.range);
      report.error('FPN203', statement.key.range, `'${key}' is set twice in ${declaration.kind} '${declaration.name.text}'`,
        `remove one of them (the first is on line ${first.range.start.line})`, {
          related: [{ range: first.key.range, message: `the first '${key}'` }],
          fixes: line ? [{ title: `Remove this '${key}' line`, edits: [{ range: line.range, newText: '' }] }] : [],
        });
      continue;
    }
    seen.set(key, statement);
    const value = spec.read(statement, report);
    if (value !== null) out[key] = { value, setting: statement };
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.required && !seen.has(key)) {
      report.error('FPN201', declaration.name.range, `${declaration.kind} '${declaration.name.text}' has no '${key}' setting`,
        `add a line: ${spec.usage}`, { fixes: addLineFix(declaration, spec.usage, report) });
    }
  }
  return out as SettingValues<S>;
}

/** Adds the usage example (what comes before its explanation) as the declaration's first statement. */
function addLineFix(declaration: Declaration, usage: string, report: Reporter): Fix[] {
  const first = declaration.body[0];
  if (!first || !report.wholeLine(first.range)) return [];
  const example = usage.split(/ {2,}/)[0].trim();
  // A usage with a placeholder (`pyramid NAME x 7 @ 256`) is no line to insert as it is.
  if (/\b[A-Z]{2,}\b/.test(example)) return [];
  return [{ title: `Add '${example}'`, edits: [insertAt(first.range, `${example}\n${' '.repeat(first.range.start.column - 1)}`)] }];
}

// ---------------------------------------------------------------------------------------------------
// Value readers

export const describeValue = (v: Value): string =>
  v.kind === 'range' ? `${v.from.text}..${v.to.text}` : v.kind === 'at' ? '@' : v.kind === 'string' ? v.text : v.text;

export function spanOf(values: Value[], fallback: SourceRange): SourceRange {
  if (values.length === 0) return fallback;
  return { file: fallback.file, start: values[0].range.start, end: values[values.length - 1].range.end };
}

/** Reports the values after the ones a setting uses. */
export function rejectExtra(setting: Setting, used: number, report: Reporter, usage: string): boolean {
  if (setting.values.length <= used) return true;
  const extra = setting.values.slice(used);
  report.error('FPN202', spanOf(extra, setting.range), `unexpected ${describeValue(extra[0])} after '${setting.key.text}'`, `write it as: ${usage}`);
  return false;
}

export interface NumberRule {
  integer?: boolean;
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
}

export function checkNumber(value: Value | undefined, what: string, rule: NumberRule, report: Reporter, at: SourceRange, usage: string): number | null {
  if (!value || value.kind !== 'number') {
    report.error('FPN202', value?.range ?? at, `${what} must be a number${value ? `, not ${describeValue(value)}` : ''}`, `write it as: ${usage}`);
    return null;
  }
  const n = value.value;
  const problem =
    rule.integer && !Number.isInteger(n) ? 'a whole number'
    : rule.min !== undefined && n < rule.min ? `at least ${rule.min}`
    : rule.above !== undefined && n <= rule.above ? `greater than ${rule.above}`
    : rule.max !== undefined && n > rule.max ? `at most ${rule.max}`
    : null;
  if (problem) {
    report.error('FPN202', value.range, `${what} must be ${problem}, not ${value.text}`, `write it as: ${usage}`);
    return null;
  }
  return n;
}

/** The field names of a schema, nested groups included: the words a fields setting may use. */
export const fieldNames = (schema: FieldSchema): string[] =>
  Object.entries(schema).flatMap(([key, field]) => ('group' in field ? [key, ...fieldNames(field.group)] : [key]));

/** A setting of `key field value field value…`, e.g. `checkpoint every 1000 keep 3`. */
export const fieldsSetting = (usage: string, context: string, schema: FieldSchema): SettingSpec<FieldValues> => ({
  usage,
  words: fieldNames(schema),
  read: (s, r) => readFields(s.values, schema, r, context, usage),
});

/** A single-number setting, e.g. `input 640`. */
export function numberSetting(usage: string, what: string, rule: NumberRule, required = false): SettingSpec<number> {
  return {
    usage, required,
    read(setting, report) {
      const n = checkNumber(setting.values[0], what, rule, report, setting.key.range, usage);
      return n !== null && rejectExtra(setting, 1, report, usage) ? n : null;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Fields: `key value` pairs after a setting's first word, optionally grouped:
//   head retinanet convs 4 classes 91 anchors scales 3 ratios 1 2 0.5 focal alpha 0.25 gamma 1.5
// A group word (`anchors`, `focal`) opens its own fields; a key the group does not know closes it again.

export type FieldKind = { number: NumberRule } | { numbers: NumberRule };
export type FieldSchema = { [key: string]: FieldKind | { group: FieldSchema } };
export type FieldValues = { [key: string]: number | number[] | FieldValues };

/** The field `key` of a schema, by own key only (a field called `constructor` is unknown, not Object.prototype's). */
const fieldOf = (schema: FieldSchema, key: string): FieldSchema[string] | undefined => (Object.hasOwn(schema, key) ? schema[key] : undefined);

export function readFields(values: Value[], schema: FieldSchema, report: Reporter, context: string, usage: string): FieldValues | null {
  // Null prototypes: values are stored under names from the file, and looked up by them.
  const root: FieldValues = Object.create(null);
  const stack: { schema: FieldSchema; into: FieldValues }[] = [{ schema, into: root }];
  let ok = true;
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (v.kind !== 'name') {
      report.error('FPN202', v.range, `expected a ${context} field name, found ${describeValue(v)}`, `write it as: ${usage}`);
      return null;
    }
    // Find the innermost open group that knows this key.
    while (stack.length > 1 && !fieldOf(stack[stack.length - 1].schema, v.text)) stack.pop();
    const { schema: current, into } = stack[stack.length - 1];
    const field = fieldOf(current, v.text);
    if (!field) {
      const { didYouMean, fixes } = typo(v, Object.keys(current));
      report.error('FPN200', v.range, `unknown ${context} field '${v.text}'.${didYouMean}`,
        `${context} takes: ${Object.keys(current).join(', ')}`, { fixes });
      return null;
    }
    if (Object.hasOwn(into, v.text)) {
      report.error('FPN203', v.range, `'${v.text}' is given twice`, 'keep one of them');
      ok = false;
    }
    i++;
    if ('group' in field) {
      const nested: FieldValues = Object.create(null);
      into[v.text] = nested;
      stack.push({ schema: field.group, into: nested });
    } else if ('number' in field) {
      const n = checkNumber(values[i], `'${v.text}'`, field.number, report, v.range, usage);
      if (n === null) return null;
      into[v.text] = n;
      i++;
    } else {
      const list: number[] = [];
      while (i < values.length && values[i].kind === 'number') {
        const n = checkNumber(values[i], `'${v.text}'`, field.numbers, report, v.range, usage);
        if (n === null) ok = false;
        else list.push(n);
        i++;
      }
      if (list.length === 0) {
        report.error('FPN202', v.range, `'${v.text}' needs at least one number`, `write it as: ${usage}`);
        return null;
      }
      into[v.text] = list;
    }
  }
  return ok ? root : null;
}
