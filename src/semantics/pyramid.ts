// Checks a `pyramid` declaration and lowers it to a PyramidIR. The paper's rules, in the order a reader
// meets them: the inputs, then each cell (name, level, two distinct earlier inputs, op), then the outputs
// (the last cells, one per level), then the dangling-layer sums of the reference implementation.
import type { CellStatement, Declaration, Setting } from '../parser/ast.js';
import type { Fix, SourceRange } from '../diagnostics/diagnostics.js';
import { DEFAULT_MAX_LEVEL, DEFAULT_MIN_LEVEL } from './defaults.js';
import type { BinaryOp, Level, MergingCell, PyramidIR, PyramidKind, PyramidNetworkIR, PyramidNode } from './ir.js';
import { levelName, looksLikeLevel, parseLevel } from './levels.js';
import { OP_NAMES, opNamed } from './ops.js';
import { MAX_CELLS } from './limits.js';
import type { Reporter } from './report.js';
import { areValidCellInputs, computeDanglingSums, mayBeIntermediate, requiredOutputLevels } from './rules.js';
import { describeValue, readSettings, rejectExtra, type SettingSpec, type SettingValues } from './settings.js';
import { assertNever } from '../util/assert-never.js';
import { didYouMean, typo } from './suggest.js';
import { freshName, insertAt, moveLine, renameFix } from './fixes.js';

export interface LevelRange {
  minLevel: Level;
  maxLevel: Level;
}

const INPUTS_USAGE = 'inputs P3..P7';

/** `P3..P7`, or the levels listed one by one (`P3 P4 P5`); they must be consecutive. */
export function readLevelRange(setting: Setting, report: Reporter, usage: string): LevelRange | null {
  const values = setting.values;
  if (values.length === 1 && values[0].kind === 'range') {
    const from = parseLevel(values[0].from.text);
    const to = parseLevel(values[0].to.text);
    const bad = from === null ? values[0].from : to === null ? values[0].to : null;
    if (bad) {
      report.error('FPN120', bad.range, `'${bad.text}' is not a level`, 'levels are written P1..P12 (P3 = stride 8)');
      return null;
    }
    if (from! > to!) {
      report.error('FPN150', values[0].range, `the range ${values[0].from.text}..${values[0].to.text} is empty`,
        `write the finer level first: ${levelName(to!)}..${levelName(from!)}`);
      return null;
    }
    return { minLevel: from!, maxLevel: to! };
  }
  if (values.length === 0) {
    report.error('FPN150', setting.key.range, `'${setting.key.text}' needs levels`, `write it as: ${usage}`);
    return null;
  }
  const levels: Level[] = [];
  for (const v of values) {
    const level = v.kind === 'name' ? parseLevel(v.text) : null;
    if (level === null) {
      report.error('FPN120', v.range, `'${describeValue(v)}' is not a level`, `write it as: ${usage}`);
      return null;
    }
    levels.push(level);
  }
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] !== levels[i - 1] + 1) {
      report.error('FPN150', values[i].range, `levels must be consecutive and ascending: ${levelName(levels[i - 1])} is followed by ${describeValue(values[i])}`,
        `write the range as ${levelName(levels.reduce((a, b) => Math.min(a, b)))}..${levelName(levels.reduce((a, b) => Math.max(a, b)))}`);
      return null;
    }
  }
  return { minLevel: levels[0], maxLevel: levels[levels.length - 1] };
}

/** `allow stride8`: the one rule of the paper a pyramid (or a search space) may opt out of. */
export const allowStride8Setting: SettingSpec<boolean> = {
  usage: 'allow stride8',
  words: ['stride8'],
  read(s: Setting, r: Reporter) {
    const v = s.values[0];
    if (!v || v.kind !== 'name' || v.text !== 'stride8') {
      r.error('FPN202', v?.range ?? s.key.range, v ? `unknown exception '${describeValue(v)}'` : "'allow' needs the rule to opt out of",
        "the one rule that can be lifted is the paper's: write 'allow stride8' to permit intermediate cells at stride 8");
      return null;
    }
    return rejectExtra(s, 1, r, 'allow stride8') ? true : null;
  },
};

const KIND_USAGE = 'kind cells | fpn   (cells: merging cells, the default; fpn: the TF reference\'s FPN, no cells)';
const PYRAMID_KINDS: readonly PyramidKind[] = ['cells', 'fpn'];

/** `kind fpn`: a fixed pyramid the language names instead of spelling it out as cells. */
const kindSetting: SettingSpec<PyramidKind> = {
  usage: KIND_USAGE,
  words: PYRAMID_KINDS,
  read(s: Setting, r: Reporter) {
    const v = s.values[0];
    if (!v || v.kind !== 'name' || !PYRAMID_KINDS.includes(v.text as PyramidKind)) {
      r.error('FPN202', v?.range ?? s.key.range, `'kind' must be ${PYRAMID_KINDS.join(' or ')}${v ? `, not ${describeValue(v)}` : ''}.${v?.kind === 'name' ? didYouMean(v.text, PYRAMID_KINDS) : ''}`,
        `write it as: ${KIND_USAGE}`);
      return null;
    }
    return rejectExtra(s, 1, r, KIND_USAGE) ? (v.text as PyramidKind) : null;
  },
};

/** The settings of a pyramid (besides its cells). */
export const pyramidSettings = {
  kind: kindSetting,
  inputs: {
    usage: INPUTS_USAGE,
    required: true,
    read: (s: Setting, r: Reporter) => readLevelRange(s, r, INPUTS_USAGE),
  } satisfies SettingSpec<LevelRange>,
  allow: allowStride8Setting,
};

export function checkPyramid(declaration: Declaration, report: Reporter): PyramidNetworkIR | null {
  const errorsBefore = report.errorCount;
  const settings = readSettings(declaration, pyramidSettings, report, { allowCells: true });
  // An unreadable `kind` (already reported): checking the body as either kind would only add guesses.
  if (!settings.kind && declaration.body.some((s) => s.kind === 'setting' && s.key.text === 'kind')) return null;
  const kind = settings.kind?.value ?? 'cells';
  switch (kind) {
    case 'cells':
      return checkCellPyramid(declaration, settings, errorsBefore, report);
    case 'fpn':
      return checkFixedPyramid(declaration, settings, errorsBefore, report);
    default:
      return assertNever(kind, 'pyramid kind');
  }
}

/** A `kind fpn` pyramid: its levels, and nothing else (its topology is fixed, see FpnPyramidIR). */
function checkFixedPyramid(declaration: Declaration, settings: SettingValues<typeof pyramidSettings>, errorsBefore: number, report: Reporter): PyramidNetworkIR | null {
  for (const s of declaration.body) {
    if (s.kind === 'cell') {
      report.error('FPN133', s.keyword.range, `pyramid '${declaration.name.text}' is a fixed FPN (kind fpn): it has no cells`,
        'remove the cells, or remove "kind fpn" to write the pyramid as merging cells (examples/fpn.fpn has both)');
    }
  }
  if (settings.allow) {
    report.error('FPN202', settings.allow.setting.key.range, "'allow stride8' is a rule of merging cells; a kind fpn pyramid has none",
      'remove the line');
  }
  if (report.errorCount > errorsBefore || !settings.inputs) return null;
  return { kind: 'fpn', name: declaration.name.text, minLevel: settings.inputs.value.minLevel, maxLevel: settings.inputs.value.maxLevel };
}

function checkCellPyramid(declaration: Declaration, settings: SettingValues<typeof pyramidSettings>, errorsBefore: number, report: Reporter): PyramidIR | null {
  const range: LevelRange = settings.inputs?.value ?? { minLevel: DEFAULT_MIN_LEVEL, maxLevel: DEFAULT_MAX_LEVEL };
  // Without a readable `inputs` line (already reported), the pyramid's levels are a guess: checking which
  // levels lack an output, or which inputs go unused, would only report errors about that guess.
  const levelsKnown = settings.inputs !== undefined;
  const allowStride8 = settings.allow?.value === true;
  const pyramidName = declaration.name.text;

  const nodes: PyramidNode[] = [];
  const indexByName = new Map<string, number>();
  // Where each layer is declared, for editors: a cell at its name, an input level at the `inputs` line.
  const definitions: SourceRange[] = [];
  const inputsAt = settings.inputs?.setting.range ?? declaration.name.range;
  for (let level = range.minLevel; level <= range.maxLevel; level++) {
    indexByName.set(levelName(level), nodes.length);
    nodes.push({ name: levelName(level), level, kind: 'input' });
    definitions.push(inputsAt);
  }

  const statements = declaration.body.filter((s): s is CellStatement => s.kind === 'cell');
  if (statements.length > MAX_CELLS) {
    // Checking is quadratic in the cells (the dangling sums); a pyramid this large is refused before that.
    report.error('FPN220', statements[MAX_CELLS].range, `pyramid '${pyramidName}' has ${statements.length} cells, more than this toolkit builds: at most ${MAX_CELLS}`,
      `use at most ${MAX_CELLS} cells; the limits are listed under FPN220 in docs/diagnostics.md`);
    return null;
  }
  const laterNames = new Map<string, CellStatement>();
  for (const s of statements) if (!laterNames.has(s.name.text)) laterNames.set(s.name.text, s);

  if (statements.length === 0) {
    report.error('FPN130', declaration.name.range, `pyramid '${pyramidName}' has no cells`,
      `add one output cell per level ${levelName(range.minLevel)}..${levelName(range.maxLevel)}, e.g. output o3 @P3 = sum(P3, P4)`);
  }

  const cells: (MergingCell | null)[] = [];
  let firstOutput: CellStatement | null = null;
  const stride8 = allowStride8Fix(declaration, settings.inputs?.setting);
  for (const statement of statements) {
    const cell = checkCell(statement, { nodes, indexByName, definitions, laterNames, range, allowStride8, stride8, report });
    if (statement.isOutput) firstOutput ??= statement;
    else if (firstOutput) {
      const line = report.wholeLine(statement.range);
      report.error('FPN132', statement.keyword.range,
        `intermediate cell '${statement.name.text}' comes after output cell '${firstOutput.name.text}'`,
        'the outputs are the last cells of a pyramid (the paper): move this cell above the outputs, or make it an output', {
          related: [{ range: firstOutput.name.range, message: `the first output cell, '${firstOutput.name.text}'` }],
          fixes: line ? [{ title: `Move '${statement.name.text}' above the outputs`, edits: moveLine(line, firstOutput.range) }] : [],
        });
    }
    // The cell's name is defined from here on, even when the cell has errors, so later cells resolve.
    if (!indexByName.has(statement.name.text)) indexByName.set(statement.name.text, nodes.length);
    nodes.push({ name: statement.name.text, level: cell?.level ?? parseLevel(statement.level.text) ?? range.minLevel, kind: 'cell' });
    definitions.push(statement.name.range);
    cells.push(cell);
  }

  if (levelsKnown) checkOutputLevels(declaration, statements, range, report);

  // (A pyramid without cells already has FPN130; its unused inputs are no news.)
  if (levelsKnown && statements.length > 0 && cells.every((c): c is MergingCell => c !== null)) {
    checkDangling(statements, nodes, cells, settings.inputs!.setting, report);
  }
  if (report.errorCount > errorsBefore) return null;
  const checkedCells = cells as MergingCell[];
  return {
    kind: 'cells',
    name: pyramidName,
    minLevel: range.minLevel,
    maxLevel: range.maxLevel,
    nodes,
    cells: checkedCells,
    outputLevels: checkedCells.filter((c) => c.isOutput).map((c) => c.level),
    allowStride8Intermediates: allowStride8,
  };
}

interface CellScope {
  nodes: PyramidNode[];
  indexByName: Map<string, number>;
  /** Where each node is declared (the cell's name, or the `inputs` line), by node index. */
  definitions: SourceRange[];
  laterNames: Map<string, CellStatement>;
  range: LevelRange;
  allowStride8: boolean;
  /** The fix that adds `allow stride8` to the pyramid (none when there is no line to put it before). */
  stride8: Fix[];
  report: Reporter;
}

/** Adds `allow stride8` on its own line after the `inputs` line (or before the first statement), indented alike. */
function allowStride8Fix(declaration: Declaration, inputs: Setting | undefined): Fix[] {
  const first = inputs ?? declaration.body[0];
  if (!first || declaration.body.some((s) => s.range.start.line === first.range.start.line && s !== first)) return [];
  const indent = ' '.repeat(first.range.start.column - 1);
  const edit = inputs
    ? { range: { file: inputs.range.file, start: inputs.range.end, end: inputs.range.end }, newText: `\n${indent}allow stride8` }
    : insertAt(first.range, `allow stride8\n${indent}`);
  return [{ title: "Add 'allow stride8' to the pyramid", edits: [edit] }];
}

function checkCell(s: CellStatement, scope: CellScope): MergingCell | null {
  const { nodes, indexByName, report, range } = scope;
  let ok = true;
  const name = s.name.text;

  if (indexByName.has(name)) {
    const earlier = indexByName.get(name)!;
    const taken = new Set([...indexByName.keys(), ...scope.laterNames.keys()]);
    report.error('FPN104', s.name.range,
      nodes[earlier].kind === 'input' ? `'${name}' is already the name of an input layer` : `a layer named '${name}' is already defined above`,
      'give every cell its own name', {
        related: [{ range: scope.definitions[earlier], message: nodes[earlier].kind === 'input' ? `the input layer ${name}` : `the first layer named '${name}'` }],
        fixes: [renameFix(s.name.range, freshName(name, taken))],
      });
    ok = false;
  } else if (looksLikeLevel(name)) {
    report.error('FPN105', s.name.range, `a cell cannot be called '${name}': level names are reserved for the pyramid's inputs`,
      `use another name, e.g. '${name.toLowerCase()}_out' or 'n${nodes.length}'`);
    ok = false;
  }

  const level = parseLevel(s.level.text);
  if (level === null) {
    report.error('FPN120', s.level.range, `'${s.level.text}' is not a level`, 'write the output level as @P3 … @P7 (P3 = stride 8)');
    ok = false;
  } else if (level < range.minLevel || level > range.maxLevel) {
    report.error('FPN121', s.level.range, `level ${s.level.text} is outside this pyramid's levels ${levelName(range.minLevel)}..${levelName(range.maxLevel)}`,
      'pick a level within the inputs range, or widen the inputs');
    ok = false;
  } else if (!s.isOutput && !mayBeIntermediate(level, scope.allowStride8)) {
    report.error('FPN122', s.level.range, `intermediate cell '${name}' is at stride ${2 ** level} (${s.level.text})`,
      "the paper keeps intermediate cells at stride 16 or coarser to save computation: move it to @P4 or coarser, make it an output, or add 'allow stride8' to the pyramid",
      { fixes: scope.stride8 });
    ok = false;
  }

  // Inputs: exactly two, distinct, each defined above this cell.
  const inputIndices: number[] = [];
  if (s.inputs.length !== 2) {
    const at = s.inputs[2]?.range ?? s.op.range;
    report.error('FPN103', at, `a merging cell takes exactly 2 input layers, '${name}' has ${s.inputs.length}`,
      s.inputs.length < 2 ? 'add a second input: op(first, second)' : 'combine more layers through several cells, two at a time');
    ok = false;
  }
  for (const input of s.inputs.slice(0, 2)) {
    const index = indexByName.get(input.text);
    if (index !== undefined) {
      inputIndices.push(index);
      report.use({ kind: 'layer', name: input.text, range: input.range, definition: scope.definitions[index] });
      continue;
    }
    ok = false;
    if (input.text === name) {
      report.error('FPN101', input.range, `cell '${name}' takes itself as an input`, 'a cell can only take layers defined above it');
    } else if (scope.laterNames.has(input.text)) {
      const later = scope.laterNames.get(input.text)!;
      report.error('FPN101', input.range, `'${input.text}' is defined after cell '${name}' (line ${later.range.start.line})`,
        `a cell can only take layers defined above it: move '${input.text}' above '${name}', or pick another input`,
        { related: [{ range: later.name.range, message: `'${input.text}' is defined here` }] });
    } else {
      const known = [...indexByName.keys()];
      const level = parseLevel(input.text);
      const { didYouMean, fixes } = level !== null ? { didYouMean: '', fixes: [] } : typo(input, known);
      const message = level !== null
        ? `${input.text} is not an input of this pyramid, whose levels are ${levelName(range.minLevel)}..${levelName(range.maxLevel)}`
        : `no layer named '${input.text}' in this pyramid.${didYouMean}`;
      report.error('FPN100', input.range, message,
        `the inputs are ${levelName(range.minLevel)}..${levelName(range.maxLevel)}; cells above this one are ${known.slice(range.maxLevel - range.minLevel + 1).join(', ') || '(none)'}`,
        { fixes });
    }
  }
  if (inputIndices.length === 2 && !areValidCellInputs(inputIndices[0], inputIndices[1], nodes.length)) {
    report.error('FPN102', s.inputs[1].range, `cell '${name}' takes '${s.inputs[1].text}' twice`,
      'a merging cell combines two different layers (the paper samples the second without replacement)');
    ok = false;
  }

  // The op, and its options (which may depend on the inputs' levels).
  let op: BinaryOp | null = null;
  // An option that names one of the cell's inputs (`pooled=P6`) refers to that layer.
  for (const option of s.options) {
    const k = s.inputs.slice(0, 2).findIndex((input) => option.value.kind === 'name' && input.text === option.value.text);
    if (k >= 0 && k < inputIndices.length && s.inputs[k].text === nodes[inputIndices[k]].name) {
      report.use({ kind: 'layer', name: s.inputs[k].text, range: option.value.range, definition: scope.definitions[inputIndices[k]] });
    }
  }

  const definition = opNamed(s.op.text);
  if (!definition) {
    const { didYouMean, fixes } = typo(s.op, OP_NAMES);
    report.error('FPN110', s.op.range, `unknown op '${s.op.text}'.${didYouMean}`,
      `the binary ops are ${OP_NAMES.join(', ')}`, { fixes });
    ok = false;
  } else if (inputIndices.length === 2) {
    op = definition.resolve({
      inputNames: [s.inputs[0].text, s.inputs[1].text],
      inputLevels: [nodes[inputIndices[0]].level, nodes[inputIndices[1]].level],
      options: s.options,
    }, report);
    if (!op) ok = false;
  }

  if (!ok || op === null || level === null) return null;
  return { name, level, op, inputs: [inputIndices[0], inputIndices[1]], isOutput: s.isOutput, danglingSums: [] };
}

/** Every level in range is produced by exactly one output cell. */
function checkOutputLevels(declaration: Declaration, statements: CellStatement[], range: LevelRange, report: Reporter): void {
  const producedBy = new Map<Level, CellStatement>();
  for (const s of statements) {
    if (!s.isOutput) continue;
    const level = parseLevel(s.level.text);
    if (level === null) continue;
    const earlier = producedBy.get(level);
    if (earlier) {
      report.error('FPN131', s.level.range, `level ${s.level.text} already has an output ('${earlier.name.text}', line ${earlier.range.start.line})`,
        `each level has exactly one output cell: make '${s.name.text}' an intermediate cell (cell instead of output) or move it to a missing level`, {
          related: [{ range: earlier.name.range, message: `the output at ${s.level.text}, '${earlier.name.text}'` }],
          fixes: [{ title: `Make '${s.name.text}' an intermediate cell`, edits: [{ range: s.keyword.range, newText: 'cell' }] }],
        });
    } else producedBy.set(level, s);
  }
  const missing = requiredOutputLevels(range.minLevel, range.maxLevel).filter((level) => !producedBy.has(level)).map(levelName);
  if (missing.length && statements.length) {
    report.error('FPN130', declaration.name.range, `pyramid '${declaration.name.text}' has no output cell for ${missing.join(', ')}`,
      `add ${missing.length === 1 ? 'an output cell' : 'output cells'}, e.g. output o${missing[0].slice(1)} @${missing[0]} = sum(…, …)`);
  }
}

/** Records the reference's dangling-layer sums on the output cells and reports them. */
function checkDangling(statements: CellStatement[], nodes: PyramidNode[], cells: MergingCell[], inputs: Setting, report: Reporter): void {
  const levels = nodes.map((n) => n.level);
  const { sums, dropped } = computeDanglingSums(levels, cells);
  const firstCell = nodes.length - cells.length;
  cells.forEach((cell, i) => {
    cell.danglingSums = sums[i];
    for (const node of sums[i]) {
      report.info('FPN140', statements[i].name.range,
        `'${nodes[node].name}' is not used by any cell before this output, so it is summed into '${cell.name}' (${levelName(cell.level)}) before R-C-B`,
        'this is the reference implementation\'s dangling-layer rule; feed the layer to a cell if you want it used otherwise');
    }
  });
  const outputLevels = new Set(cells.filter((c) => c.isOutput).map((c) => c.level));
  for (const node of dropped) {
    // An unused input is pointed out on the `inputs` line that declares it.
    const at = node >= firstCell ? statements[node - firstCell].name.range : inputs.range;
    if (!outputLevels.has(levels[node])) {
      report.error('FPN141', at, `'${nodes[node].name}' is not used by any cell and no output is at its level ${levelName(levels[node])}`,
        'feed it to a later cell, or add an output at its level');
    } else {
      report.warning('FPN142', at, `'${nodes[node].name}' is never used: its level's output was built before it`,
        'feed it to a later cell or remove it; its computation is wasted');
    }
  }
}
