// Test helpers for the diagram views: checked examples, a large generated pyramid, and a small reader for the
// data-* structure of an SVG.
import { resolve } from 'node:path';
import { checkFile } from '../../src/semantics/program.js';
import type { CheckedProgram, PyramidIR } from '../../src/semantics/ir.js';
import { fileHost } from '../../src/semantics/program.js';
import { pyramidFromSpecs } from '../helpers/ir.js';

export const EXAMPLES = ['nasfpn', 'fpn', 'nasfpn-lite', 'search'] as const;

export function loadExample(name: string): CheckedProgram {
  const result = checkFile(resolve('examples', `${name}.fpn`), fileHost);
  if (!result.program) throw new Error(`examples/${name}.fpn does not check`);
  return result.program;
}

/**
 * A deterministic random pyramid with `cellCount` cells over P3..P7 (the last five are outputs, one per level;
 * no stride-8 intermediate cells). Inputs mix recent nodes with far-back ones, so long edges occur.
 */
export function generatedPyramid(cellCount: number, seed = 1): PyramidIR {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = (n: number) => Math.floor(random() * n);
  const specs: [number, 'sum' | 'attention', [number, number], boolean][] = [];
  const outputLevels = [3, 4, 5, 6, 7];
  for (let i = outputLevels.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [outputLevels[i], outputLevels[j]] = [outputLevels[j], outputLevels[i]];
  }
  for (let i = 0; i < cellCount; i++) {
    const nodesBefore = 5 + i;
    const isOutput = i >= cellCount - 5;
    const level = isOutput ? outputLevels[i - (cellCount - 5)] : 4 + pick(4);
    const choose = () => (random() < 0.7 ? Math.max(0, nodesBefore - 1 - pick(8)) : pick(nodesBefore));
    const a = choose();
    let b = choose();
    while (b === a) b = pick(nodesBefore);
    specs.push([level, random() < 0.5 ? 'sum' : 'attention', [a, b], isOutput]);
  }
  return pyramidFromSpecs(`generated${cellCount}`, specs);
}

/** Every element carrying `attribute`, with all its attributes (a regex reader: the writer's output is regular). */
export function elementsWith(svg: string, attribute: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const match of svg.matchAll(/<[a-z]+((?:\s+[a-zA-Z-]+="[^"]*")*)\s*\/?>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of match[1].matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    if (attribute in attrs) found.push(attrs);
  }
  return found;
}
