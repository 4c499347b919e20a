// Hovers: what the thing under the cursor is, in the checker's terms. A cell shows its level and stride, its
// op with the inputs resolved, the dangling layers summed into it, and its channels and parameters in the
// detector that stacks its pyramid; a detector shows what `nasfpn stats` counts for it; a keyword shows its
// line of the language reference; a setting shows how it is written.
import type { Hover } from 'vscode-languageserver-types';
import { thousands } from '../codegen/count-table.js';
import type { CellStatement, Declaration } from '../parser/ast.js';
import { strideOf, type DetectorIR, type MergingCell, type PyramidIR, type PyramidNetworkIR } from '../semantics/ir.js';
import { levelName, parseLevel } from '../semantics/levels.js';
import { opNamed } from '../semantics/ops.js';
import type { CheckedDeclaration } from '../semantics/program.js';
import { assertNever } from '../util/assert-never.js';
import type { Analysis } from './analysis.js';
import { locate, type Located } from './locate.js';
import { sameRange } from './positions.js';
import { KEYWORD_REFERENCE } from './reference.js';
import { settingSpec } from './settings.js';
import { costLine, detectorCosts } from './stats.js';

export function hover(analysis: Analysis, offset: number): Hover | null {
  const ast = analysis.ast;
  if (!ast) return null;
  const located = locate(ast, offset);
  const lines = located ? describe(analysis, located, offset) : keywordAt(analysis, offset);
  // The hints of the diagnostics here: the message is shown by the editor, the hint only here.
  const hints = analysis.diagnostics
    .filter((d) => d.hint && d.range.start.offset <= offset && offset <= d.range.end.offset)
    .map((d) => `*${d.code}:* ${d.hint}`);
  const all = [...(lines ?? []), ...(hints.length ? ['', ...hints] : [])];
  if (!all.length) return null;
  return { contents: { kind: 'markdown', value: all.join('\n') }, range: located ? analysis.lines.rangeOf(located.range.start.offset, located.range.end.offset) : undefined };
}

function describe(analysis: Analysis, located: Located, offset: number): string[] | null {
  const link = analysis.linkAt(offset);
  switch (located.kind) {
    case 'declaration-keyword':
    case 'cell-keyword':
    case 'import':
      return keywordAt(analysis, offset);
    case 'declaration-name':
      return describeDeclaration(analysis, analysis.checked(located.declaration));
    case 'cell-name':
    case 'cell':
      return describeCell(analysis, located.declaration, located.cell);
    case 'level':
      return describeLevel(located.cell.level.text);
    case 'op':
      return describeOp(located.cell.op.text);
    case 'input':
    case 'option-value':
      return link ? describeLink(analysis, located.declaration, link.definition) : null;
    case 'option-key': {
      const option = opNamed(located.cell.op.text)?.options[located.option.key.text];
      return option ? [`\`${located.option.key.text}=\` ${option.values}`, `default: ${option.default}`] : null;
    }
    case 'setting-key': {
      const spec = settingSpec(located.declaration.kind, located.setting.key.text);
      return spec ? [`\`${spec.usage}\``, spec.required ? `required in a ${located.declaration.kind}` : `optional in a ${located.declaration.kind}`] : null;
    }
    case 'setting-value': {
      if (link) return describeLink(analysis, located.declaration, link.definition);
      const level = located.value.kind === 'name' ? located.value.text : null;
      return level !== null && parseLevel(level) !== null ? describeLevel(level) : null;
    }
    case 'import-name':
      return link ? describeDeclaration(analysis, analysis.declarationNamed(link.definition)) : null;
    case 'import-path': {
      const target = analysis.importTarget(located.statement);
      return [`the file \`${target}\`${analysis.result.sources.has(target) ? '' : ' (cannot be read)'}`];
    }
    case 'declaration':
    case 'setting':
      return null;
    default:
      return assertNever(located, 'located element');
  }
}

/** A keyword's line of the language reference, where the token under the cursor is a keyword in use. */
function keywordAt(analysis: Analysis, offset: number): string[] | null {
  const token = analysis.tokenAt(offset);
  const line = token && token.tokenType.CATEGORIES?.some((c) => c.name === 'Identifier') ? KEYWORD_REFERENCE[token.image] : undefined;
  return line ? [`**${token!.image}** — ${line}`, '', '*docs/language.md*'] : null;
}

const describeLevel = (text: string): string[] | null => {
  const level = parseLevel(text);
  return level === null ? null : [`level **${text}**: stride ${strideOf(level)} (a ${strideOf(level)}× smaller feature map than the image)`];
};

function describeOp(name: string): string[] | null {
  const op = opNamed(name);
  if (!op) return null;
  const options = Object.entries(op.options).map(([key, o]) => `- \`${key}=\` ${o.values} (default: ${o.default})`);
  return [`**${op.kind}** — ${op.summary}`, ...(options.length ? ['', ...options] : [])];
}

/** What a name links to: a layer of the pyramid, or a declaration. */
function describeLink(analysis: Analysis, declaration: Declaration, definition: Declaration['name']['range']): string[] | null {
  const named = analysis.declarationNamed(definition);
  if (named) return describeDeclaration(analysis, named);
  const cell = declaration.body.find((s): s is CellStatement => s.kind === 'cell' && sameRange(s.name.range, definition));
  if (cell) return describeCell(analysis, declaration, cell);
  return null;
}

function describeDeclaration(analysis: Analysis, checked: CheckedDeclaration | undefined): string[] | null {
  if (!checked) return null;
  const name = checked.declaration.name.text;
  const title = `**${checked.kind} ${name}**`;
  if (!checked.ir) return [title, '(has errors; see the problems)'];
  switch (checked.kind) {
    case 'pyramid':
      return [title, describePyramid(checked.ir)];
    case 'detector': {
      const d = checked.ir;
      return [
        title,
        `${backboneText(d)}, pyramid \`${d.pyramid.name}\` × ${d.repeats} @ ${d.width}, ${levelName(d.minLevel)}..${levelName(d.maxLevel)}, ${d.conv} convs, input ${d.inputSize}`,
        '',
        costLine(d),
      ];
    }
    case 'search': {
      const s = checked.ir;
      return [title, `${s.cells} cells over ${levelName(s.minLevel)}..${levelName(s.maxLevel)}, ops ${s.ops.join(', ')}${s.proxy ? `, proxy \`${s.proxy.name}\`` : ''}`];
    }
    case 'train': {
      const t = checked.ir;
      return [title, `trains \`${t.detector.name}\` for ${t.length.count} ${t.length.unit}, batch ${t.batch}, peak learning rate ${t.learningRate.peak}, data \`${t.data.written}\``];
    }
    default:
      return assertNever(checked, 'declaration kind');
  }
}

const backboneText = (d: DetectorIR): string => (d.backbone.kind === 'resnet' ? `ResNet-${d.backbone.depth}` : `MobileNetV2 ×${d.backbone.widthMultiplier}`);

function describePyramid(p: PyramidNetworkIR): string {
  if (p.kind === 'fpn') return `the TF reference's FPN over ${levelName(p.minLevel)}..${levelName(p.maxLevel)} (kind fpn)`;
  return `${p.cells.length} merging cells over ${levelName(p.minLevel)}..${levelName(p.maxLevel)}; outputs built in the order ${p.outputLevels.map(levelName).join(', ')}`;
}

/** A cell: as checked when its pyramid is error-free, else as written. */
function describeCell(analysis: Analysis, declaration: Declaration, cell: CellStatement): string[] {
  const level = parseLevel(cell.level.text);
  const kind = cell.isOutput ? 'output cell' : 'intermediate cell';
  const head = `**${kind} ${cell.name.text}** @${cell.level.text}${level !== null ? ` — stride ${strideOf(level)}` : ''}`;
  const checked = analysis.checked(declaration);
  const pyramid = checked?.kind === 'pyramid' && checked.ir?.kind === 'cells' ? checked.ir : null;
  const index = pyramid ? pyramid.cells.findIndex((c) => c.name === cell.name.text) : -1;
  if (!pyramid || index < 0) {
    return [head, `\`${cell.op.text}(${cell.inputs.map((i) => i.text).join(', ')})\``, '', '(its pyramid has errors; see the problems)'];
  }
  const merging = pyramid.cells[index];
  const lines = [head, describeMerge(pyramid, merging)];
  if (merging.danglingSums.length) lines.push(`plus the dangling ${merging.danglingSums.map((n) => nodeText(pyramid, n)).join(', ')} (summed in before R-C-B)`);
  lines.push('then ReLU → 3×3 conv → BN');
  const detector = stackingDetector(analysis, pyramid.name);
  if (detector) {
    const parameters = detectorCosts(detector).cellParameters[index];
    lines.push('', `in detector \`${detector.name}\` (× ${detector.repeats} @ ${detector.width}): ${detector.width} output channels, ` +
      `${thousands(parameters)} parameters per stack (${thousands(parameters * detector.repeats)} in all)`);
  }
  return lines;
}

const nodeText = (p: PyramidIR, node: number): string => {
  const n = p.nodes[node];
  return `\`${n.name}\` (${n.kind === 'input' ? 'input' : 'cell'}, ${levelName(n.level)})`;
};

function describeMerge(p: PyramidIR, cell: MergingCell): string {
  const [a, b] = cell.inputs;
  switch (cell.op.kind) {
    case 'sum':
    case 'wsum':
      return `${cell.op.kind} of ${nodeText(p, a)} and ${nodeText(p, b)}, both resampled to ${levelName(cell.level)}`;
    case 'global_pool': {
      const pooled = cell.inputs[cell.op.pooled];
      const gated = cell.inputs[1 - cell.op.pooled];
      return `global_pool: ${nodeText(p, pooled)} is ${cell.op.pool}-pooled and gates ${nodeText(p, gated)}, both resampled to ${levelName(cell.level)}`;
    }
    default:
      return assertNever(cell.op, 'op');
  }
}

/** The first detector of the check that stacks the pyramid named `name` (this file's first). */
function stackingDetector(analysis: Analysis, name: string): DetectorIR | null {
  const detectors = analysis.result.declarations
    .filter((d): d is Extract<CheckedDeclaration, { kind: 'detector' }> => d.kind === 'detector' && d.ir?.pyramid.name === name)
    .sort((a, b) => Number(b.declaration.range.file === analysis.path) - Number(a.declaration.range.file === analysis.path));
  return detectors[0]?.ir ?? null;
}
