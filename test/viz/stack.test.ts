import { describe, expect, it } from 'vitest';
import { layoutStack, renderStack, backboneChannels, type StackLayout } from '../../src/viz/stack.js';
import { boxesOverlap, textWidth } from '../../src/viz/text.js';
import { detector } from '../helpers/ir.js';
import { elementsWith } from './helpers.js';

/** Pairs of texts of a layout whose boxes intersect. */
function textOverlaps(layout: StackLayout): [string, string][] {
  const found: [string, string][] = [];
  layout.texts.forEach((a, i) => layout.texts.slice(i + 1).forEach((b) => {
    if (boxesOverlap(a.box, b.box)) found.push([a.text, b.text]);
  }));
  return found;
}

describe('stack view (the detector)', () => {
  it('collapses the middle repeats of a 7-repeat detector into one "× 5" block', () => {
    const svg = renderStack(detector());
    const blocks = elementsWith(svg, 'data-kind').filter((b) => b['data-node']);
    expect(blocks.filter((b) => b['data-kind'] === 'pyramid').map((b) => b['data-repeat'])).toEqual(['1', '7']);
    const collapsed = blocks.filter((b) => b['data-kind'] === 'collapsed');
    expect(collapsed).toHaveLength(1);
    expect(collapsed[0]['data-collapsed']).toBe('5');
    expect(svg).toContain('nasfpn × 5');
  });

  it('draws every repeat up to the threshold, and one row per level', () => {
    const svg = renderStack(detector({ repeats: 3 }));
    const pyramids = elementsWith(svg, 'data-kind').filter((b) => b['data-kind'] === 'pyramid');
    expect(pyramids.map((b) => b['data-repeat'])).toEqual(['1', '2', '3']);
    expect(elementsWith(svg, 'data-row').map((r) => r['data-row'])).toEqual(['3', '4', '5', '6', '7']);
  });

  it('shows the backbone widths, laterals for C3–C5 and pooling for P6/P7, and the feature width', () => {
    const svg = renderStack(detector());
    for (const text of ['C3 · 512', 'C4 · 1024', 'C5 · 2048', 'ResNet-50', '1×1 conv', 'max-pool ÷2', '7 cells @256']) expect(svg).toContain(text);
    const laterals = elementsWith(svg, 'data-kind').filter((b) => b['data-kind'] === 'lateral');
    expect(laterals.map((b) => b['data-op'])).toEqual(['conv1x1', 'conv1x1', 'conv1x1', 'max_pool', 'max_pool']);
    expect(backboneChannels({ kind: 'mobilenet_v2', widthMultiplier: 1 }).get(5)).toBe(1280);
  });

  it('adds a head under every earlier pyramid when anytime heads are declared', () => {
    const svg = renderStack(detector({ anytimeHeads: true }));
    const heads = elementsWith(svg, 'data-anytime');
    expect(heads.map((h) => h['data-repeat'])).toEqual(['1', '2-6']);
  });

  it('leaves room for the backbone width labels between the backbone and the laterals', () => {
    const layout = layoutStack(detector());
    const backbone = layout.blocks.find((b) => b.id === 'backbone')!;
    const lateral = layout.blocks.find((b) => b.id === 'lateral4')!;
    const gap = lateral.box.x - (backbone.box.x + backbone.box.width);
    const label = layout.edges.find((e) => e.label === 'C4 · 1024')!;
    expect(label).toBeDefined();
    expect(gap).toBeGreaterThan(textWidth('C4 · 1024', 10) + 8);
  });

  it('keeps blocks and labels apart', () => {
    for (const d of [detector(), detector({ repeats: 2, anytimeHeads: true, conv: 'separable', maxLevel: 6 })]) {
      const layout = layoutStack(d);
      expect(textOverlaps(layout)).toEqual([]);
      const boxes = layout.blocks.map((b) => b.box);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(boxesOverlap(boxes[i], boxes[j]), `${layout.blocks[i].id} vs ${layout.blocks[j].id}`).toBe(false);
    }
  });

  it('is deterministic and accessible', () => {
    const svg = renderStack(detector());
    expect(svg).toBe(renderStack(detector()));
    expect(svg).toContain('<title id="title">retinanet_nasfpn_r50: detector stack</title>');
    expect(svg).toMatch(/<desc id="desc">Detector retinanet_nasfpn_r50: ResNet-50 backbone/);
  });
});

describe('stack view of unusual level ranges', () => {
  it('pools straight from the backbone when the pyramid starts above C5', () => {
    const svg = renderStack(detector({ minLevel: 6, maxLevel: 8 }));
    const laterals = elementsWith(svg, 'data-kind').filter((b) => b['data-kind'] === 'lateral');
    expect(laterals.map((b) => b['data-node'])).toEqual(['lateral6', 'lateral7', 'lateral8']);
    expect(svg).toContain('max-pool ÷2');
    expect(elementsWith(svg, 'data-from').filter((e) => e['data-to'] === 'lateral6').map((e) => e['data-from'])).toEqual(['backbone']);
  });
});
