// The playground in a real browser: headless Chromium opens the page as `nasfpn playground` serves it (built
// here with the build's own options, scripts/playground-build.mjs) and is used as a person would: typing a file
// with an error shows the diagnostic with the checker's code and hint; fixing it draws Figure 7 with one dot per
// node, and the structural hash the CLI computes; hovers, examples, links, the cells view (elkjs loaded only
// then), the stats table and the diff against the previous version all work under the page's
// Content-Security-Policy without a single violation.
//
// And issue 27's part: a link whose text holds markup and script in a string and a comment shows that text
// literally (in the editor and the diagnostics) and runs nothing: no element is made from it, and the CSP
// blocks inline script even where some bug let one in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPlayground } from '../../scripts/playground-build.mjs';
import { pyramidHash } from '../../src/semantics/hash.js';
import { checkText } from '../../src/semantics/program.js';
import { fragmentOf, readFragment } from '../../src/playground/link.js';
import { renderGraph } from '../../src/viz/graph.js';
import { PLAYGROUND_CSP, readPlayground, servePlayground, type PlaygroundServer } from '../../src/playground/server.js';
import { chromiumOrSkip, inChromium, openBrowser, type Browser } from '../helpers/chromium.js';

const CHROMIUM = chromiumOrSkip();
const SLOW = 120_000;

/** A small pyramid with one wrong input on its last line (P9: no such level in P3..P5). */
const BROKEN = `pyramid tiny {
  inputs P3..P5
  cell a @P4 = sum(P3, P4)
  output o3 @P3 = sum(a, P3)
  output o4 @P4 = sum(a, P4)
  output o5 @P5 = sum(o4, P9)
}
`;
const FIXED = BROKEN.replace('P9)', 'P5)');

/** Where anything that ran would leave a mark. */
const PWNED = 'window.__pwned';

describe.skipIf(!CHROMIUM)(inChromium(CHROMIUM, 'the playground in Chromium'), () => {
  let dir: string;
  let server: PlaygroundServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nasfpn-playground-'));
    await buildPlayground(dir);
    server = await servePlayground(readPlayground(dir), '127.0.0.1', 0);
    browser = await openBrowser(CHROMIUM!);
  }, SLOW);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page at `fragment`, recording CSP violations, script errors and dialogs, once the first drawing is shown. */
  async function open(fragment = '') {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener('securitypolicyviolation', (e) => {
        // Chrome's own contenteditable editing, when typing replaces a selection across coloured spans, inserts
        // spans with a style attribute to keep the colour; the policy blocks them (CodeMirror then redraws the
        // line). No script of the page does that: a style set by a script names that script's file.
        if (e.violatedDirective === 'style-src-attr' && e.sourceFile === '') return;
        seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const response = await page.goto(server.url + fragment);
    await page.waitForSelector('body[data-state=ready]', { timeout: SLOW });
    const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    return { page, response: response!, problems, requests, violations };
  }

  /** Replaces the editor's text as typing would (one input event). */
  async function typeInto(page: Page, text: string) {
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
  }

  const nodes = (page: Page) => page.locator('#view svg [data-node]').count();
  /** The dots of a drawing as the CLI makes it (`nasfpn draw`). */
  const drawnNodes = (svg: string) => svg.match(/ data-node="/g)?.length ?? 0;
  const editorText = (page: Page) => page.locator('.cm-content').evaluate((e) => Array.from(e.querySelectorAll('.cm-line'), (l) => l.textContent).join('\n'));

  test('type a file with an error: its diagnostic, with the code and hint; fix it: Figure 7 with every node, and the CLI\'s hash', async () => {
    const { page, response, problems, violations } = await open();
    expect(response.headers()['content-security-policy']).toBe(PLAYGROUND_CSP);

    await typeInto(page, BROKEN);
    const expected = checkText(BROKEN, '/playground/design.fpn').diagnostics.filter((d) => d.severity === 'error');
    expect(expected.length).toBeGreaterThan(0);
    const row = page.locator('#problems .problem.error').first();
    await expect.poll(() => row.getAttribute('data-code'), { timeout: SLOW }).toBe(expected[0].code);
    expect(await row.locator('.message').textContent()).toBe(expected[0].message);
    expect(await row.locator('.where').textContent()).toBe(`${expected[0].range.start.line}:${expected[0].range.start.column}`);
    if (expected[0].hint) expect(await row.locator('.hint').textContent()).toBe(`hint: ${expected[0].hint}`);
    // The squiggle in the editor, at the same place.
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBe(1);
    expect(await page.locator('.cm-lintRange-error').textContent()).toBe('P9');
    expect(await page.locator('#view').textContent()).toMatch(/Nothing to draw/);

    // Fix it the way a person would: delete "9)" at the end of the line, type "5)".
    await page.locator('.cm-lintRange-error').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('5)');
    await expect.poll(() => page.locator('#problems .problem.error').count(), { timeout: SLOW }).toBe(0);
    const pyramid = checkText(FIXED, '/playground/design.fpn').program!.pyramids[0];
    await expect.poll(() => nodes(page), { timeout: SLOW }).toBe(drawnNodes(renderGraph(pyramid)));
    expect(drawnNodes(renderGraph(pyramid))).toBe(3 + 4);
    expect(await page.locator('#view svg [data-node][data-kind=input]').count()).toBe(3);
    expect(await page.locator('#view svg title').textContent()).toContain('tiny');
    // The browser's SHA-256 gives the hash `nasfpn hash` prints.
    expect(await page.locator('#view .hash').textContent()).toBe(pyramidHash(pyramid));

    // The link follows the text.
    await expect.poll(async () => (await readFragment(new URL(page.url()).hash))?.kind === 'text' && (await readFragment(new URL(page.url()).hash) as { text: string }).text).toBe(FIXED);
    expect(problems).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  }, SLOW);

  test('a link opens its design; hovers come from the service; the examples menu replaces the text', async () => {
    const { page, problems, violations, requests } = await open(await fragmentOf(FIXED));
    expect(await editorText(page)).toBe(FIXED.trimEnd() + '\n');
    expect(await nodes(page)).toBe(7);

    await page.locator('.cm-content .tok-variable', { hasText: /^a$/ }).first().hover();
    const hover = page.locator('.cm-fpn-hover');
    await hover.waitFor({ timeout: SLOW });
    expect(await hover.textContent()).toMatch(/intermediate cell a @P4 — stride 16/);

    await page.selectOption('#examples', 'fpn.fpn');
    await expect.poll(() => page.locator('#subject option').first().textContent(), { timeout: SLOW }).toBe('pyramid fpn');
    const fpn = checkText((await editorText(page)), '/playground/fpn.fpn').program!.pyramids[0];
    await expect.poll(() => nodes(page), { timeout: SLOW }).toBe(drawnNodes(renderGraph(fpn)));

    // Nothing but the page's own files was fetched, and elkjs not yet (the cells view loads it).
    expect(requests.every((path) => !path.includes('elk'))).toBe(true);
    expect(problems).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  }, SLOW);

  test('the cells, stack, stats and diff views', async () => {
    const { page, problems, violations, requests } = await open('#example=nasfpn.fpn');
    await page.click('#tabs [data-view=cells]');
    await expect.poll(() => page.locator('#view[data-view=cells] svg').count(), { timeout: SLOW }).toBe(1);
    expect(requests.some((path) => /\/chunks\/elk\.bundled-[\w-]+\.js$/.test(path))).toBe(true);
    expect(await page.locator('#view svg').textContent()).toContain('R-C-B');

    await page.selectOption('#subject', 'detector:retinanet_nasfpn_r50');
    await page.click('#tabs [data-view=stack]');
    await expect.poll(() => page.locator('#view[data-view=stack] svg').count(), { timeout: SLOW }).toBe(1);
    expect(await page.locator('#view svg title').textContent()).toContain('retinanet_nasfpn_r50');

    await page.click('#tabs [data-view=stats]');
    await expect.poll(() => page.locator('#view h2').first().textContent(), { timeout: SLOW })
      .toBe('retinanet_nasfpn_r50, input 640×640: 60.08 M trainable parameters, 280.52 GFLOPs');
    expect(await page.locator('#view table.stats').first().locator('tr.total td').allTextContents()).toEqual(['total', '60,078,743', '100,224', '140.26', '280.52']);

    await page.selectOption('#subject', 'pyramid:nasfpn');
    await page.click('#tabs [data-view=diff]');
    await expect.poll(() => page.locator('#view').textContent(), { timeout: SLOW }).toMatch(/No earlier version of nasfpn/);
    const text = await editorText(page);
    await typeInto(page, text.replace('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = sum(P3, n5)'));
    await expect.poll(() => page.locator('#view pre.diff').textContent(), { timeout: SLOW }).toContain('+ cell n6 @P4 = sum(P3, n5)');
    expect(await page.locator('#view svg [data-diff=changed]').count()).toBeGreaterThan(0);
    expect(await page.locator('#view svg [data-diff=added]').count()).toBeGreaterThan(0);

    expect(problems).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  }, SLOW);

  test('issue 27: markup and script in a link\'s text stay text, nothing runs, and the CSP forbids inline script', async () => {
    const payload = (where: string) => `<img src=x onerror="${PWNED}='${where}-img'"> </script><script>${PWNED}='${where}-script'</script>`;
    const hostile = `# ${payload('comment')}\nimport { p } from "${payload('string').replace(/"/g, "'")}.fpn"\n${FIXED}`;
    const { page, problems, violations } = await open(await fragmentOf(hostile));

    // The diagnostics show the string as it is written: the import of a file by that name fails.
    const message = page.locator('#problems .problem.error .message').first();
    await expect.poll(() => message.textContent(), { timeout: SLOW }).toContain(payload('string').replace(/"/g, "'"));
    // The editor holds the text as written, comment and string alike.
    expect(await editorText(page)).toBe(hostile.trimEnd() + '\n');
    // Nothing ran, and no element was made from the text: the page's one script is its own module, no image anywhere.
    expect(await page.evaluate(PWNED)).toBeUndefined();
    const elements = await page.evaluate(() => {
      const all = [document, ...Array.from(document.querySelectorAll('*'), (e) => e.shadowRoot).filter((r) => r !== null)];
      return { img: all.reduce((n, root) => n + root.querySelectorAll('img').length, 0), scripts: Array.from(document.scripts, (s) => s.src) };
    });
    expect(elements.img).toBe(0);
    expect(elements.scripts).toEqual([`${server.url}playground.js`]);
    expect(problems).toEqual([]);
    expect(await violations()).toEqual([]);

    // The second wall: were some bug to put an inline script or handler into the page, the CSP stops it.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = "window.__pwned = 'inline script'";
      document.body.append(script);
      const img = document.createElement('img');
      img.setAttribute('onerror', "window.__pwned = 'handler'");
      img.src = 'data:,x';
      document.body.append(img);
    });
    await expect.poll(async () => (await violations()).length).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(PWNED)).toBeUndefined();
    expect((await violations()).every((v) => v.startsWith('script-src'))).toBe(true);
    await page.close();
  }, SLOW);
});
