// Issue 27 for the VS Code extension's webviews (editors/vscode/src/views.ts), in headless Chromium: what comes
// from a file (its name, the names it declares, the text the drawer puts in the SVG) shows as text and never
// becomes markup, and the pages' Content-Security-Policy, the form VS Code's webview guide prescribes for a page
// without scripts (default-src 'none', the one <style> by nonce), stops any script a bug might let in.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentSecurityPolicy, figure7Html, statsHtml } from '../../editors/vscode/src/views.js';
import { countModel } from '../../src/codegen/count.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { renderGraph } from '../../src/viz/graph.js';
import { chromiumOrSkip, inChromium, openBrowser, type Browser } from '../helpers/chromium.js';
import { loadExample } from '../helpers/examples.js';

const CHROMIUM = chromiumOrSkip();
const PWNED = 'window.__pwned';
const PAGE_URL = 'http://webview.invalid/index.html';
const payload = (where: string) => `<img src=x onerror="${PWNED}='${where}-img'"></script><script>${PWNED}='${where}-script'</script>`;

describe('webview pages', () => {
  test('a fresh nonce per page, and no inline script or style allowed without it', () => {
    const a = figure7Html('p', '<svg/>');
    const b = figure7Html('p', '<svg/>');
    const nonce = (html: string) => /<style nonce="([^"]+)">/.exec(html)![1];
    expect(nonce(a)).not.toBe(nonce(b));
    expect(nonce(a)).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a).toContain(`content="${contentSecurityPolicy(nonce(a))}"`);
    expect(contentSecurityPolicy('n')).toBe("default-src 'none'; style-src 'nonce-n'; base-uri 'none'; form-action 'none'");
  });
});

describe.skipIf(!CHROMIUM)(inChromium(CHROMIUM, 'webview pages in Chromium'), () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await openBrowser(CHROMIUM!);
  }, 120_000);
  afterAll(() => browser?.close());

  async function show(html: string) {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
    });
    // Served as a page of its own origin (as VS Code serves a webview), so the recorder above runs first.
    await page.route(PAGE_URL, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(PAGE_URL);
    const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    return { page, violations };
  }

  test('names and paths from files show as text; the nonce\'d style applies; nothing runs', async () => {
    const pyramid = loadExample('nasfpn').pyramids[0];
    if (pyramid.kind !== 'cells') throw new Error('examples/nasfpn.fpn: a pyramid of merging cells expected');
    const { page: figure, violations: figureViolations } = await show(figure7Html(payload('name'), renderGraph(pyramid)));
    expect(await figure.locator('h1').textContent()).toBe(`Figure 7 — pyramid ${payload('name')}`);
    expect(await figure.locator('svg [data-node]').count()).toBe(pyramid.nodes.length);
    expect(await figure.evaluate(() => document.querySelectorAll('img, script').length)).toBe(0);
    expect(await figure.evaluate(PWNED)).toBeUndefined();
    expect(await figureViolations()).toEqual([]);

    const detector = loadExample('nasfpn').detectors[0];
    const file = `${payload('path')}.fpn`;
    const { page: stats, violations: statsViolations } = await show(statsHtml(file, [countModel(lowerDetector(detector))]));
    expect(await stats.title()).toBe(`Stats: ${file}`);
    expect(await stats.locator('tr.total td').first().textContent()).toBe('total');
    // The page's own style applies (by its nonce): numbers are right-aligned.
    expect(await stats.locator('td').nth(1).evaluate((td) => getComputedStyle(td).textAlign)).toBe('right');
    expect(await stats.evaluate(() => document.querySelectorAll('img, script').length)).toBe(0);
    expect(await stats.evaluate(PWNED)).toBeUndefined();
    expect(await statsViolations()).toEqual([]);
    await figure.close();
    await stats.close();
  }, 120_000);

  test('were markup to reach a page unescaped, the CSP would stop its scripts and styles', async () => {
    // The drawing goes in as markup (the drawer escapes its text): give it markup that tries everything.
    const hostile = `<svg xmlns="http://www.w3.org/2000/svg"><script>${PWNED}='svg-script'</script></svg>${payload('raw')}<style>h1 { color: rgb(255, 0, 0) }</style><p style="color: rgb(255, 0, 0)">x</p>`;
    const { page, violations } = await show(figure7Html('p', hostile));
    await expect.poll(async () => (await violations()).length).toBeGreaterThanOrEqual(5);
    expect(await page.evaluate(PWNED)).toBeUndefined();
    expect(await page.locator('h1').evaluate((h) => getComputedStyle(h).color)).not.toBe('rgb(255, 0, 0)');
    expect(await page.locator('p').evaluate((p) => getComputedStyle(p).color)).not.toBe('rgb(255, 0, 0)');
    // The image is not even fetched; its error handler and every script and style are refused.
    expect(new Set(await violations())).toEqual(new Set(['img-src', 'script-src-elem', 'script-src-attr', 'style-src-elem', 'style-src-attr']));
    await page.close();
  }, 120_000);
});
