// Anytime exits (the paper's Section 3.2): exit K of a detector with anytime heads is its model cut after
// pyramid K — the later pyramids and every other head left out, nothing it keeps renamed or changed — so it
// costs less the earlier it stops, and the head layout, the stack drawing and the counts read the same cut.
import { describe, expect, test } from 'vitest';
import { countModel } from '../../src/codegen/count.js';
import { countExits, partsRun } from '../../src/codegen/exits.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { keepOutputs } from '../../src/codegen/truncate.js';
import { exitProblem, exitsOf } from '../../src/semantics/exits.js';
import { headLayout } from '../../src/targets/layout.js';
import { renderStack } from '../../src/viz/stack.js';
import { tinyAnytime as anytime3 } from '../helpers/detectors.js';
const single3 = () => ({ ...anytime3(), name: 'tiny_single', anytimeHeads: false });

describe('the exit specs of a 3-stack detector with anytime heads', () => {
  const detector = anytime3();
  const full = lowerDetector(detector);

  test.each([1, 2, 3])('exit %i keeps pyramids 1..K and the head after K, every part as the full model has it', (exit) => {
    const spec = lowerDetector(detector, { exit });
    expect(spec.name).toBe(`tiny_anytime_exit${exit}`);
    expect(spec.groups).toEqual(['backbone', 'laterals', ...[1, 2, 3].slice(0, exit).map((r) => `stack${r}`), 'head']);
    expect(spec.outputs.map((o) => o.name)).toEqual(['class', 'box'].flatMap((s) => [3, 4, 5, 6].map((l) => `stack${exit}/${s}/P${l}`)));
    // Nothing it keeps differs from the full model: same layer configs and names (so the weights load by name),
    // same nodes with the same inputs and shapes.
    const fullLayers = new Map(full.layers.map((l) => [l.name, l]));
    const fullNodes = new Map(full.nodes.map((n) => [n.id, n]));
    for (const layer of spec.layers) expect(layer).toEqual(fullLayers.get(layer.name));
    for (const node of spec.nodes) expect(node).toEqual(fullNodes.get(node.id));
    // The other heads' per-level batch norms and the later pyramids are gone.
    for (const layer of spec.layers) {
      expect(layer.name).not.toMatch(new RegExp(`^stack[${exit + 1}-9]/`));
      const head = /^head\/\w+\/stack(\d)\//.exec(layer.name);
      if (head) expect(Number(head[1])).toBe(exit);
    }
  });

  test('parameters and FLOPs grow strictly with the exit, and the last exit costs less than the trained model', () => {
    const counts = countExits(detector);
    expect(counts.map((c) => c.exit)).toEqual([1, 2, 3]);
    for (let i = 1; i < counts.length; i++) {
      expect(counts[i].trainable + counts[i].nonTrainable).toBeGreaterThan(counts[i - 1].trainable + counts[i - 1].nonTrainable);
      expect(counts[i].flops).toBeGreaterThan(counts[i - 1].flops);
    }
    const whole = countModel(full);
    // The trained model also runs the two earlier heads; the shared head convs count once in both.
    expect(counts[2].flops).toBeLessThan(whole.flops);
    expect(counts[2].trainable).toBeLessThan(whole.trainable);
    // Exit 1 runs the backbone, the laterals, one pyramid and one head: exactly those groups of the whole.
    const group = (name: string) => whole.groups.find((g) => g.group === name)!;
    const headMacsPerExit = group('head').macs / 3;
    expect(counts[0].macs).toBe(group('backbone').macs + group('laterals').macs + group('stack1').macs + headMacsPerExit);
  });

  test('the head layout of an exit describes its model\'s outputs', () => {
    for (const exit of [1, 2, 3]) {
      const spec = lowerDetector(detector, { exit });
      const layout = headLayout(detector, detector.inputSize, exit);
      expect(layout.heads).toHaveLength(1);
      const [head] = layout.heads;
      expect(head.exit).toBe(exit);
      expect(head.classOutputs.map((i) => spec.outputs[i].name)).toEqual(head.classNames);
      expect(head.boxOutputs.map((i) => spec.outputs[i].name)).toEqual(head.boxNames);
    }
    expect(headLayout(detector).heads.map((h) => h.exit)).toEqual([1, 2, 3]);
  });

  test('what an exit runs, as the stack drawing reads it off the cut model', () => {
    const parts = partsRun(detector, 2);
    expect([...parts.pyramids]).toEqual([1, 2]);
    expect([...parts.heads]).toEqual([2]);
  });
});

describe('a detector without anytime heads', () => {
  test('has only the last exit, whose model is the whole detector', () => {
    const detector = single3();
    expect(exitsOf(detector)).toEqual([3]);
    expect(lowerDetector(detector, { exit: 3 })).toEqual(lowerDetector(detector));
    expect(countExits(detector)).toHaveLength(1);
  });

  test('refuses an earlier exit, saying why and how to add anytime heads', () => {
    const detector = single3();
    const problem = exitProblem(detector, 2);
    expect(problem).toMatch(/no anytime heads/);
    expect(problem).toContain('`anytime heads`');
    expect(() => lowerDetector(detector, { exit: 2 })).toThrow(RangeError);
    expect(() => headLayout(detector, detector.inputSize, 1)).toThrow(/anytime heads/);
  });

  test('every detector refuses exits outside 1..repeats', () => {
    for (const exit of [0, 4, 1.5]) expect(exitProblem(anytime3(), exit)).toMatch(/from 1 to 3/);
    expect(exitProblem(anytime3(), 1)).toBeNull();
  });
});

test('keepOutputs refuses an output the spec does not have', () => {
  expect(() => keepOutputs(lowerDetector(anytime3()), ['stack4/class/P3'])).toThrow(/no output named stack4\/class\/P3/);
});

describe('the stack drawing of an exit', () => {
  const skippedNodes = (svg: string) => [...svg.matchAll(/data-node="([^"]+)"[^>]*data-skipped="true"/g)].map((m) => m[1]);

  test('greys the later pyramids and every other head', () => {
    expect(skippedNodes(renderStack(anytime3(), { exit: 2 }))).toEqual(['pyramid3', 'head', 'head1']);
    expect(skippedNodes(renderStack(anytime3(), { exit: 3 }))).toEqual(['head1', 'head2']);
    expect(skippedNodes(renderStack(anytime3()))).toEqual([]);
  });

  test('draws the exit\'s own pyramid uncollapsed among collapsed ones', () => {
    const seven = { ...anytime3(), repeats: 7 };
    const svg = renderStack(seven, { exit: 4 });
    const pyramids = [...svg.matchAll(/data-node="(pyramid[^"]+)"/g)].map((m) => m[1]);
    expect(pyramids).toEqual(['pyramid1', 'pyramid2-3', 'pyramid4', 'pyramid5-6', 'pyramid7']);
    expect(skippedNodes(svg)).toEqual(['pyramid5-6', 'pyramid7', 'head', 'head1', 'head2-3', 'head5-6']);
    // Without an exit, the middle is one block as before.
    expect([...renderStack(seven).matchAll(/data-node="(pyramid[^"]+)"/g)].map((m) => m[1])).toEqual(['pyramid1', 'pyramid2-6', 'pyramid7']);
  });
});
