// `nasfpn diff --draw`: the Figure 7 graph of B with A overlaid. B's nodes keep their places; the cells of A
// that B does not have are put back in their own columns among B's (after the last node they read), so nothing is
// drawn on top of anything else. Cells and edges only in B are drawn in one colour, those only in A dashed in
// another, cells in both with a changed field in a third, and the rest in grey (theme.diff); a legend says which.
//
// Which node of A is which node of B comes from the structural diff (src/diff/pyramid.ts). A fixed `kind fpn`
// pyramid has no cells to match: two of them correspond node for node by their fixed names, and against a
// pyramid of merging cells only the inputs correspond (by level).
import type { PyramidDiff } from '../diff/pyramid.js';
import type { PyramidNetworkIR } from '../semantics/ir.js';
import {
  drawnPyramid, layoutDrawn, renderDrawn, type DiffMark, type DrawnNode, type DrawnPyramid, type EdgeMark, type Glyph, type GraphLayout, type GraphOptions,
} from './graph.js';

export interface GraphDiffOptions {
  theme?: GraphOptions['theme'];
}

/** B's graph with A overlaid, as a standalone SVG document. */
export function renderGraphDiff(a: PyramidNetworkIR, b: PyramidNetworkIR, diff: PyramidDiff, options: GraphDiffOptions = {}): string {
  return renderDrawn(overlay(a, b, diff), { theme: options.theme });
}

/** Where everything of the overlay goes (for tests that check it is legible). */
export function layoutGraphDiff(a: PyramidNetworkIR, b: PyramidNetworkIR, diff: PyramidDiff): GraphLayout {
  return layoutDrawn(overlay(a, b, diff));
}

const overlay = (a: PyramidNetworkIR, b: PyramidNetworkIR, diff: PyramidDiff): DrawnPyramid =>
  overlayDrawn(drawnPyramid(a), drawnPyramid(b), partners(a, b, diff), changedNodes(diff));

/** For each drawn node of A, the drawn node of B it is (or undefined). */
function partners(a: PyramidNetworkIR, b: PyramidNetworkIR, diff: PyramidDiff): Map<number, number> {
  // The graph view draws a pyramid of merging cells node for node, so the diff's node indices are drawn indices.
  if (a.kind === 'cells' && b.kind === 'cells') return new Map(diff.nodes);
  const drawnA = drawnPyramid(a).nodes;
  const drawnB = drawnPyramid(b).nodes;
  const found = new Map<number, number>();
  drawnA.forEach((node, i) => {
    const j = a.kind === b.kind
      ? drawnB.findIndex((other) => other.name === node.name)
      : drawnB.findIndex((other) => node.kind === 'input' && other.kind === 'input' && other.level === node.level);
    if (j >= 0) found.set(i, j);
  });
  return found;
}

/** B's nodes that are matched with a cell of A that differs from them in some field. */
const changedNodes = (diff: PyramidDiff): Set<number> => new Set(diff.matched.filter((m) => m.changed.length > 0).map((m) => m.b.node));

/** Marks present, in legend order. */
const MARK_ORDER: readonly DiffMark[] = ['added', 'removed', 'changed', 'unchanged'];

function overlayDrawn(a: DrawnPyramid, b: DrawnPyramid, partnerOfA: Map<number, number>, changed: Set<number>): DrawnPyramid {
  const partnerOfB = new Map([...partnerOfA].map(([i, j]) => [j, i]));
  const removedInputs = a.nodes.flatMap((node, i) => (i < a.inputCount && !partnerOfA.has(i) ? [i] : []));
  const removedCells = a.nodes.flatMap((_, i) => (i >= a.inputCount && !partnerOfA.has(i) ? [i] : []));

  // Where each removed cell of A goes: after the last column (of B's cells) that it or an earlier cell of A reads
  // or is, so that its arrows run left to right like all the others.
  const columnOfB = (j: number) => j - b.inputCount; // -1 and below: inputs
  const afterColumn = new Map<number, number>();
  let last = -1;
  for (let i = a.inputCount; i < a.nodes.length; i++) {
    const partner = partnerOfA.get(i);
    if (partner !== undefined) {
      last = Math.max(last, columnOfB(partner));
      continue;
    }
    const node = a.nodes[i];
    const reads = [...node.inputs, ...node.dangling].map((n) => afterColumn.get(n) ?? (partnerOfA.has(n) ? columnOfB(partnerOfA.get(n)!) : -1));
    last = Math.max(last, ...reads);
    afterColumn.set(i, last);
  }

  // The order of the drawing: B's inputs, A's removed inputs, then B's cells with A's removed ones after theirs.
  const order: { side: 'a' | 'b'; index: number }[] = [
    ...b.nodes.slice(0, b.inputCount).map((_, j) => ({ side: 'b' as const, index: j })),
    ...removedInputs.map((i) => ({ side: 'a' as const, index: i })),
  ];
  const removedAfter = (column: number) => removedCells.filter((i) => afterColumn.get(i) === column).map((i) => ({ side: 'a' as const, index: i }));
  order.push(...removedAfter(-1));
  for (let j = b.inputCount; j < b.nodes.length; j++) order.push({ side: 'b', index: j }, ...removedAfter(columnOfB(j)));

  const positionOfB = new Map<number, number>();
  const positionOfA = new Map<number, number>();
  order.forEach(({ side, index }, position) => (side === 'b' ? positionOfB : positionOfA).set(index, position));
  // A node of A is drawn where its partner in B is, if it has one.
  const placeA = (i: number) => (partnerOfA.has(i) ? positionOfB.get(partnerOfA.get(i)!)! : positionOfA.get(i)!);

  // The edges of A into the nodes B has too, by drawn position, as "from>to:kind" (a removed node draws its own).
  const edgesOfA = new Set<string>();
  const key = (from: number, to: number, kind: 'input' | 'dangling') => `${from}>${to}:${kind}`;
  a.nodes.forEach((node, i) => {
    if (!partnerOfA.has(i)) return;
    for (const n of node.inputs) edgesOfA.add(key(placeA(n), placeA(i), 'input'));
    for (const n of node.dangling) edgesOfA.add(key(placeA(n), placeA(i), 'dangling'));
  });

  const nodes: DrawnNode[] = order.map(({ side, index }, position) => {
    if (side === 'a') {
      const node = a.nodes[index];
      return {
        ...node, inputs: node.inputs.map(placeA), dangling: node.dangling.map(placeA), mark: 'removed',
        inputMarks: node.inputs.map(() => 'removed'), danglingMarks: node.dangling.map(() => 'removed'),
      };
    }
    const node = b.nodes[index];
    const inputs = node.inputs.map((n) => positionOfB.get(n)!);
    const dangling = node.dangling.map((n) => positionOfB.get(n)!);
    const edgeMark = (from: number, kind: 'input' | 'dangling'): EdgeMark => (edgesOfA.delete(key(from, position, kind)) ? 'unchanged' : 'added');
    const inputMarks = inputs.map((n) => edgeMark(n, 'input'));
    const danglingMarks = dangling.map((n) => edgeMark(n, 'dangling'));
    const mark: DiffMark = !partnerOfB.has(index) ? 'added' : changed.has(index) ? 'changed' : 'unchanged';
    return { ...node, inputs, dangling, mark, inputMarks, danglingMarks };
  });
  // What is left of A's edges ends at a node of B and is gone from B: drawn into it, dashed.
  for (const edge of edgesOfA) {
    const [, from, to, kind] = /^(\d+)>(\d+):(input|dangling)$/.exec(edge)!;
    const node = nodes[Number(to)];
    if (kind === 'input') {
      node.inputs.push(Number(from));
      node.inputMarks!.push('removed');
    } else {
      node.dangling.push(Number(from));
      node.danglingMarks!.push('removed');
    }
  }

  const marks = new Set<DiffMark>(nodes.flatMap((n) => [n.mark!, ...n.inputMarks!, ...n.danglingMarks!]));
  const glyphs: Glyph[] = [...new Set([...b.glyphs, ...a.glyphs])];
  const counts = MARK_ORDER.map((mark) => [mark, nodes.filter((n) => n.kind === 'cell' && n.mark === mark).length] as const)
    .filter(([, n]) => n > 0).map(([mark, n]) => `${n} ${mark}`).join(', ');
  return {
    name: `${a.name} → ${b.name}`,
    minLevel: Math.min(a.minLevel, b.minLevel),
    maxLevel: Math.max(a.maxLevel, b.maxLevel),
    nodes,
    inputCount: b.inputCount + removedInputs.length,
    glyphs,
    marks: MARK_ORDER.filter((m) => marks.has(m)),
    subtitle: `${b.name} with the cells of ${a.name} overlaid · ${counts || 'no cells'}`,
    description:
      `Architecture graph of pyramid network ${b.name} in the style of NAS-FPN Figure 7, with ${a.name} overlaid: one row per resolution, ` +
      `inputs on the left, cells in creation order. Cells and edges only in ${b.name} are blue, those only in ${a.name} orange and dashed, ` +
      `cells in both whose level, op, inputs or output role differ purple, the rest grey. Cells: ${counts || 'none'}.`,
  };
}
