// The block-spec list of the TF reference / Model Garden NAS-FPN, as JSON — another view of the same IR:
//
//   { "min_level": 3, "max_level": 7,
//     "block_specs": [ [level, "sum" | "attention", [offset, offset], is_output], ... ] }
//
// An offset indexes the pyramid's node list: the inputs in level order, then one node per block.
// Import turns a spec into .fpn text and runs the ordinary checker on it, mapping every diagnostic back to
// the JSON element it came from, so a bad spec gets the same checks, codes and hints as a bad .fpn file.
import { rangeMaker, type Diagnostic, type SourceRange } from '../diagnostics/diagnostics.js';
import type { Code } from '../diagnostics/codes.js';
import { coarserInput, type MergingCell, type PyramidIR, type PyramidNetworkIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { checkText } from '../semantics/program.js';
import { assertNever } from '../util/assert-never.js';
import { JsonNestingError, JsonSyntaxError, parseJsonWithPositions, type JsonNode } from './json.js';

// ---------------------------------------------------------------------------------------------------
// Export

export interface SpecProblem {
  /** The cell (index into `PyramidIR.cells`) the spec cannot express, or null for the whole pyramid. */
  cell: number | null;
  code: Extract<Code, 'FPN401' | 'FPN402'>;
  message: string;
  hint: string;
}

/** The block spec's `combine` name for a cell's op, or why the spec cannot express the cell. */
function combineOf(p: PyramidIR, cell: MergingCell, index: number): string | SpecProblem {
  const op = cell.op;
  switch (op.kind) {
    case 'sum':
      return 'sum';
    case 'global_pool': {
      const [a, b] = cell.inputs.map((n) => p.nodes[n].level);
      if (op.pool === 'max' && op.pooled === coarserInput(a, b)) return 'attention';
      return {
        cell: index,
        code: 'FPN401',
        message: `cell '${cell.name}' uses global_pool with ${op.pool !== 'max' ? `pool=${op.pool}` : `pooled=${p.nodes[cell.inputs[op.pooled]].name}`}, which the TF spec cannot express`,
        hint: "the TF reference's attention always max-pools the coarser input (the first on a tie): drop the pool/pooled options to export",
      };
    }
    case 'wsum':
      return {
        cell: index,
        code: 'FPN402',
        message: `cell '${cell.name}' uses wsum, an op the TF spec cannot express (its blocks combine with "sum" or "attention" only)`,
        hint: 'the weighted sum has learned weights the NAS-FPN block spec has no place for: write sum(…) to export, or keep the pyramid as a .fpn file',
      };
    default:
      return assertNever(op, 'op');
  }
}

/** The spec as canonical JSON text, or the cells that the spec format cannot express. */
export function exportTfSpec(p: PyramidNetworkIR): { text: string } | { problems: SpecProblem[] } {
  switch (p.kind) {
    case 'cells':
      return exportCells(p);
    case 'fpn':
      return {
        problems: [{
          cell: null,
          code: 'FPN401',
          message: `pyramid '${p.name}' is a fixed FPN (kind fpn), which the TF spec cannot express: its blocks are merging cells`,
          hint: 'examples/fpn.fpn writes FPN as merging cells (fpn_cells), which exports; the block spec has no place for the post-hoc 3×3 convs',
        }],
      };
    default:
      return assertNever(p, 'pyramid kind');
  }
}

function exportCells(p: PyramidIR): { text: string } | { problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const rows = p.cells.map((cell, i) => {
    const combine = combineOf(p, cell, i);
    if (typeof combine !== 'string') problems.push(combine);
    return `    [${cell.level}, "${typeof combine === 'string' ? combine : '?'}", [${cell.inputs[0]}, ${cell.inputs[1]}], ${cell.isOutput}]`;
  });
  if (problems.length) return { problems };
  return {
    text: `{\n  "min_level": ${p.minLevel},\n  "max_level": ${p.maxLevel},\n  "block_specs": [\n${rows.join(',\n')}\n  ]\n}\n`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Import

export interface SpecImport {
  /** The checked pyramid, or null when the spec has errors. */
  pyramid: PyramidIR | null;
  /** Diagnostics located in the JSON file. */
  diagnostics: Diagnostic[];
}

/** Where a piece of the generated .fpn text came from in the JSON. */
interface Origin {
  generatedStart: number;
  generatedEnd: number;
  json: { start: number; end: number };
  block: number | null;
}

export function importTfSpec(jsonText: string, file: string, name: string): SpecImport {
  const jsonRange = rangeMaker(jsonText, file);
  const fail = (start: number, end: number, message: string, hint: string): SpecImport => ({
    pyramid: null,
    diagnostics: [{ code: 'FPN400', severity: 'error', message, hint, range: jsonRange(start, Math.max(end, start + 1)) }],
  });

  let root: JsonNode;
  try {
    root = parseJsonWithPositions(jsonText);
  } catch (error) {
    if (error instanceof JsonNestingError) {
      return {
        pyramid: null,
        diagnostics: [{
          code: 'FPN403', severity: 'error', message: `the spec is ${error.message}`, range: jsonRange(error.offset, error.offset + 1),
          hint: 'a spec nests three levels deep: the list of blocks, each block, its input offsets',
        }],
      };
    }
    if (error instanceof JsonSyntaxError) return fail(error.offset, error.offset + 1, `not valid JSON: ${error.message}`, 'a spec is a JSON object with min_level, max_level and block_specs');
    throw error;
  }

  // The envelope: an object with block_specs (and optional levels), or a bare list (levels 3..7).
  let minLevel = 3;
  let maxLevel = 7;
  let blocks: JsonNode | undefined = root;
  if (root.kind === 'object') {
    blocks = undefined;
    for (const entry of root.entries) {
      if (entry.key === 'block_specs') blocks = entry.value;
      else if (entry.key === 'min_level' || entry.key === 'max_level') {
        const v = entry.value;
        if (v.kind !== 'number' || !Number.isInteger(v.value) || v.value < 1 || v.value > 12) {
          return fail(v.start, v.end, `${entry.key} must be a whole number between 1 and 12`, 'the reference uses min_level 3 and max_level 7');
        }
        if (entry.key === 'min_level') minLevel = v.value;
        else maxLevel = v.value;
      } else {
        return fail(entry.keyStart, entry.value.end, `unknown key "${entry.key}"`, 'a spec has min_level, max_level and block_specs');
      }
    }
    if (!blocks) return fail(root.start, root.start + 1, 'the spec has no "block_specs"', 'add "block_specs": [[level, "sum", [offset, offset], is_output], ...]');
  }
  if (blocks.kind !== 'array') return fail(blocks.start, blocks.end, 'block_specs must be a list of blocks', 'each block is [level, "sum" | "attention", [offset, offset], is_output]');
  if (minLevel > maxLevel) return fail(root.start, root.start + 1, `min_level ${minLevel} is above max_level ${maxLevel}`, 'swap them');

  // Generate .fpn text, remembering where each piece came from.
  const origins: Origin[] = [];
  let generated = '';
  const emit = (text: string, from?: JsonNode, block: number | null = null) => {
    if (from) origins.push({ generatedStart: generated.length, generatedEnd: generated.length + text.length, json: from, block });
    generated += text;
  };
  const inputCount = maxLevel - minLevel + 1;
  const nodeName = (offset: number) => (offset >= 0 && offset < inputCount ? levelName(minLevel + offset) : `n${offset}`);
  emit(`pyramid ${name} `, blocks);
  emit(`{\n  inputs ${levelName(minLevel)}..${levelName(maxLevel)}\n`);
  for (const [index, block] of blocks.items.entries()) {
    const shape = 'each block is [level, "sum" | "attention", [offset, offset], is_output]';
    if (block.kind !== 'array' || block.items.length !== 4) return fail(block.start, block.end, `block ${index} is not a list of 4 entries`, shape);
    const [level, combine, offsets, isOutput] = block.items;
    if (level.kind !== 'number' || !Number.isInteger(level.value)) return fail(level.start, level.end, `block ${index}: the level must be a whole number`, shape);
    if (combine.kind !== 'string') return fail(combine.start, combine.end, `block ${index}: the combine function must be a string`, shape);
    if (offsets.kind !== 'array' || offsets.items.some((o) => o.kind !== 'number' || !Number.isInteger(o.value) || o.value < 0)) {
      return fail(offsets.start, offsets.end, `block ${index}: the inputs must be a list of node offsets (whole numbers ≥ 0)`, shape);
    }
    if (isOutput.kind !== 'boolean') return fail(isOutput.start, isOutput.end, `block ${index}: is_output must be true or false`, shape);
    const op = combine.value === 'attention' ? 'global_pool' : combine.value;
    emit('  ');
    emit(isOutput.value ? 'output' : 'cell', isOutput, index);
    emit(' ');
    emit(`n${inputCount + index}`, block, index);
    emit(' @');
    emit(`P${level.value}`, level, index);
    emit(' = ');
    emit(op, combine, index);
    emit('(');
    offsets.items.forEach((o, k) => {
      if (k) emit(', ');
      emit(nodeName((o as { value: number }).value), o, index);
    });
    emit(')\n');
  }
  emit('}\n');

  const checked = checkText(generated, file);
  const diagnostics = checked.diagnostics.map((d) => mapBack(d, origins, jsonRange, blocks!));
  // The generated text declares one pyramid of merging cells.
  const pyramid = checked.program?.pyramids[0];
  return { pyramid: pyramid?.kind === 'cells' ? pyramid : null, diagnostics };
}

/** Moves a diagnostic from the generated text onto the JSON element that produced that text. */
function mapBack(d: Diagnostic, origins: Origin[], jsonRange: (a: number, b: number) => SourceRange, blocks: JsonNode): Diagnostic {
  const at = d.range.start.offset;
  let best: Origin | null = null;
  for (const o of origins) {
    if (o.generatedStart <= at && at < o.generatedEnd && (!best || o.generatedEnd - o.generatedStart < best.generatedEnd - best.generatedStart)) best = o;
  }
  const json = best?.json ?? blocks;
  const prefix = best?.block !== null && best?.block !== undefined ? `block ${best.block}: ` : '';
  // Messages may name a line of the generated text ("already has an output ('n6', line 4)"): line 3 onwards
  // holds one block per line, so point at that block's line in the JSON instead.
  const items = blocks.kind === 'array' ? blocks.items : [];
  const jsonLine = (generatedLine: number) => {
    const block = items[generatedLine - 3];
    return block ? jsonRange(block.start, block.start + 1).start.line : generatedLine;
  };
  const rename = (text: string) =>
    text.replace(/\bn(\d+)\b/g, 'node $1').replace(/\bline (\d+)\b/g, (_, n: string) => `line ${jsonLine(Number(n))}`);
  const mapped: Diagnostic = { ...d, message: prefix + rename(d.message), range: jsonRange(json.start, json.end) };
  if (d.hint) mapped.hint = rename(d.hint);
  return mapped;
}
