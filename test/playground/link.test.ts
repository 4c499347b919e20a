// A design in a playground link (src/playground/link.ts): the text survives the round trip through the URL
// fragment whatever it holds, the three forms are read, and a damaged link reads as nothing (the page then
// says so and opens the default example).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { fragmentOf, readFragment } from '../../src/playground/link.js';

const NASFPN = readFileSync('examples/nasfpn.fpn', 'utf8');
/** Markup, script, bidi, control and astral characters: all of it is text to the link. */
const HOSTILE = 'pyramid p { # <img src=x onerror=alert(1)> </script><script>alert(2)</script>\n  inputs P3..P4 "\u202e\u0000\u001b]0;x\u0007 𝄞 ${x} `\n}\n';

describe('playground links', () => {
  test('any text survives the round trip', async () => {
    for (const text of [NASFPN, HOSTILE, '', 'é'.repeat(5000)]) {
      const fragment = await fragmentOf(text);
      expect(fragment).toMatch(/^#code=[A-Za-z0-9_-]*$/);
      expect(await readFragment(fragment)).toEqual({ kind: 'text', text });
    }
  });

  test('the fragment is compressed: an example fits a short link', async () => {
    const fragment = await fragmentOf(NASFPN);
    expect(fragment.length).toBeLessThan(NASFPN.length * 0.7);
  });

  test('hand-written links: the text percent-encoded, or an example by name', async () => {
    expect(await readFragment(`#text=${encodeURIComponent(HOSTILE)}`)).toEqual({ kind: 'text', text: HOSTILE });
    expect(await readFragment('#example=fpn.fpn')).toEqual({ kind: 'example', name: 'fpn.fpn' });
  });

  test('a damaged or foreign fragment reads as nothing', async () => {
    const fragment = await fragmentOf(NASFPN);
    expect(await readFragment(fragment.slice(0, 40))).toBeNull();
    expect(await readFragment('#code=%%%')).toBeNull();
    expect(await readFragment('#section-2')).toBeNull();
    expect(await readFragment('')).toBeNull();
  });
});
