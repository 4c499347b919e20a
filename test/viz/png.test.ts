import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fontFiles, renderPng } from '../../src/viz/png.js';
import { renderGraph } from '../../src/viz/graph.js';
import { renderStack } from '../../src/viz/stack.js';
import { renderCells } from '../../src/viz/cells.js';
import { detector, nasfpnPyramid } from '../helpers/ir.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('PNG rendering', () => {
  it('finds the bundled DejaVu fonts', () => {
    for (const file of fontFiles()) expect(existsSync(file), file).toBe(true);
  });

  it('renders every view to a PNG of the scaled size', async () => {
    for (const svg of [renderGraph(nasfpnPyramid()), renderStack(detector()), await renderCells(nasfpnPyramid())]) {
      const png = await renderPng(svg, 2);
      expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const width = Buffer.from(png).readUInt32BE(16);
      const svgWidth = Number(/width="([\d.]+)"/.exec(svg)![1]);
      expect(width).toBe(Math.ceil(svgWidth * 2));
    }
  });

  it('draws text (resvg drops it silently when no font is found)', async () => {
    const { Resvg } = await import('@resvg/resvg-js');
    const withText = (text: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30" font-family="'DejaVu Sans', sans-serif"><rect width="80" height="30" fill="#fff"/><text x="4" y="20" font-size="16">${text}</text></svg>`;
    const inkOf = (svg: string) => {
      const pixels = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: 'DejaVu Sans' } }).render().pixels;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) dark++;
      return dark;
    };
    expect(inkOf(withText('nasfpn'))).toBeGreaterThan(20);
    expect(inkOf(withText(''))).toBe(0);
    // And through renderPng itself: the same drawing with and without its labels differs.
    expect((await renderPng(withText('P3'), 1)).length).not.toBe((await renderPng(withText(''), 1)).length);
  });
});
