// The playground's benchmark (issue 25): what a visitor downloads, and how soon the page answers. No target is set;
// recorded so that a heavier bundle or a slower page shows.
//
// The bundle: the playground is built the way `npm run build` builds it (scripts/playground-build.mjs), and its
// files are split into what the first load fetches (index.html, its CSS, playground.js and the chunks it imports
// statically, from esbuild's metafile), what loads later (chunks imported dynamically: elkjs, for the cells view),
// and what no page fetches (licences); each in bytes and gzipped (what a static host that compresses sends;
// `nasfpn playground` sends them as they are, on localhost). Then the inputs that weigh most in the output, by
// package and by file.
//
// The page: served by the server `nasfpn playground` runs, opened in headless Chromium (as test/playground does),
// ROUNDS times for each of two files: examples/nasfpn.fpn (the page's default) and a large file (50 generated
// pyramids, through a link as a user would share it). Each load reports the page's own first render
// (data-first-render-ms: from the start of navigation until the first drawing is in the page, download included;
// data-script-ms: from the bundle's first line). Then keystrokes: one that breaks a cell's input (a diagnostic
// appears) and one that fixes it (it goes away, Figure 7 is drawn again), each timed in the page from the key's
// event to the updated diagnostics (data-checks changes), to the new drawing (data-draws changes) and to the next
// frame after it; the page waits CHECK_DELAY_MS after the last key before checking, so that wait is inside the
// latency (a person types on; the page checks when they pause). data-check-ms and data-draw-ms are the page's
// own costs of each step. The first open of the cells view (elkjs fetched, parsed, laid out) is timed too.
//
// On a shared machine these are wall times of a browser that queues for a core with everything else; the load
// average is recorded before and after.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import type { Page } from 'playwright-core';
import { buildPlayground, type PlaygroundFile } from '../scripts/playground-build.mjs';
import { printPyramid } from '../src/format/print.js';
import { fragmentOf } from '../src/playground/link.js';
import { readPlayground, servePlayground } from '../src/playground/server.js';
import { checkText } from '../src/semantics/program.js';
import { chromiumOrSkip, inChromium, openBrowser, type Browser } from '../test/helpers/chromium.js';
import { generatedPyramid } from '../test/helpers/ir.js';
import { writeResult } from './lib.js';

const ROUNDS = 5;
/** Keystroke pairs (break, fix) per page load. */
const KEYSTROKE_PAIRS = 5;
const LARGE_PYRAMIDS = 50;
const LARGE_CELLS = 50;
/** Long enough for the link to follow the text (the page's LINK_DELAY_MS is 400) before the next key. */
const SETTLE_MS = 600;
const TOP_INPUTS = 12;
const PAGE_TIMEOUT_MS = 120_000;

const round1 = (x: number) => Math.round(x * 10) / 10;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const loadBefore = load();

// ---------------------------------------------------------------------------------------------------------------
// The bundle

const dir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-playground-'));
const { files, metafile } = await buildPlayground(dir);

/** The JS files the first load fetches: the entry and, transitively, what it imports statically. */
function staticClosure(meta: Metafile, entry: string): Set<string> {
  const byOutput = new Map(Object.entries(meta.outputs).map(([path, output]) => [relativeTo(path), output]));
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of byOutput.get(path)?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(relativeTo(imported.path));
  };
  visit(entry);
  return seen;
}

/** esbuild names outputs from the working directory (`/tmp/…/chunks/x.js`); the build's files are relative to `dir`. */
function relativeTo(path: string): string {
  const absolute = path.startsWith('/') ? path : join(process.cwd(), path);
  return absolute.slice(dir.length + 1);
}

type Part = 'initial' | 'lazy' | 'never';
const initialJs = staticClosure(metafile, 'playground.js');
function partOf(file: PlaygroundFile): Part {
  if (file.path.endsWith('.js')) return initialJs.has(file.path) ? 'initial' : 'lazy';
  if (file.path.endsWith('.html') || file.path.endsWith('.css')) return 'initial';
  return 'never';
}

const parts = Object.fromEntries((['initial', 'lazy', 'never'] as const).map((part) => {
  const mine = files.filter((f) => partOf(f) === part).sort((a, b) => b.bytes - a.bytes);
  return [part, {
    bytes: mine.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: mine.reduce((sum, f) => sum + f.gzipBytes, 0),
    files: mine.map((f) => ({ ...f, ...(part === 'lazy' ? { holds: packagesIn(f.path).slice(0, 3) } : {}) })),
  }];
})) as Record<Part, { bytes: number; gzipBytes: number; files: PlaygroundFile[] }>;

/** What an input is, for the totals: its npm package, or the project's room (src/<room>). */
function ownerOf(input: string): string {
  const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const room = input.match(/^src\/([^/]+)\//);
  return room ? `src/${room[1]}` : input;
}

/** The packages (or rooms) an output holds, heaviest first. */
function packagesIn(path: string): Array<{ owner: string; bytes: number }> {
  const output = Object.entries(metafile.outputs).find(([p]) => relativeTo(p) === path)?.[1];
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) byOwner.set(ownerOf(input), (byOwner.get(ownerOf(input)) ?? 0) + bytesInOutput);
  return [...byOwner].map(([owner, bytes]) => ({ owner, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bytes each input (and each package or room) contributes to the minified output, over every output. */
const inputBytes = new Map<string, number>();
for (const output of Object.values(metafile.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) inputBytes.set(input, (inputBytes.get(input) ?? 0) + bytesInOutput);
}
const heaviest = <K>(totals: Map<K, number>) => [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP_INPUTS);
const ownerBytes = new Map<string, number>();
for (const [input, bytes] of inputBytes) ownerBytes.set(ownerOf(input), (ownerBytes.get(ownerOf(input)) ?? 0) + bytes);
const biggestOwners = heaviest(ownerBytes).map(([owner, bytes]) => ({ owner, bytes }));
const biggestInputs = heaviest(inputBytes).map(([input, bytes]) => ({ input, bytes }));

const kB = (n: number) => `${(n / 1024).toFixed(0)} kB`;
console.log(`bundle: first load ${kB(parts.initial.bytes)} (${kB(parts.initial.gzipBytes)} gzipped) in ${parts.initial.files.length} files; ` +
  `later ${kB(parts.lazy.bytes)} (${kB(parts.lazy.gzipBytes)} gzipped) in ${parts.lazy.files.length}; never fetched ${kB(parts.never.bytes)}`);
for (const { owner, bytes } of biggestOwners) console.log(`  ${kB(bytes).padStart(7)}  ${owner}`);

// ---------------------------------------------------------------------------------------------------------------
// The page in Chromium

interface Marks {
  key?: number;
  checked?: number;
  drawn?: number;
  painted?: number;
}

/** In the page, before its script: timestamps of the next key, check and drawing (window.__marks). */
function recordMarks(): void {
  const w = window as unknown as { __marks: Marks };
  w.__marks = {};
  document.addEventListener('keydown', (e) => {
    w.__marks = { key: e.timeStamp };
  }, { capture: true });
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      if (r.attributeName === 'data-checks' && w.__marks.checked === undefined) w.__marks.checked = now;
      if (r.attributeName === 'data-draws' && w.__marks.drawn === undefined) {
        w.__marks.drawn = now;
        const marks = w.__marks;
        requestAnimationFrame(() => setTimeout(() => (marks.painted = performance.now())));
      }
    }
  }).observe(document, { attributes: true, attributeFilter: ['data-checks', 'data-draws'], subtree: true });
}

interface Keystroke {
  toDiagnosticsMs: number;
  toDrawingMs: number;
  toFrameMs: number;
  checkMs: number;
  drawMs: number;
  errors: number;
}

const dataset = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }));

/** Presses `key` with the editor's cursor where it is; waits for the check and drawing it causes. */
async function keystroke(page: Page, key: string): Promise<Keystroke> {
  await page.keyboard.press(key);
  await page.waitForFunction(() => (window as unknown as { __marks: Marks }).__marks.painted !== undefined, null, { timeout: PAGE_TIMEOUT_MS });
  const marks = await page.evaluate(() => (window as unknown as { __marks: Required<Marks> }).__marks);
  const data = await dataset(page);
  const errors = await page.locator('#problems .problem.error').count();
  await page.waitForTimeout(SETTLE_MS);
  return {
    toDiagnosticsMs: round1(marks.checked - marks.key), toDrawingMs: round1(marks.drawn - marks.key), toFrameMs: round1(marks.painted - marks.key),
    checkMs: Number(data.checkMs), drawMs: Number(data.drawMs), errors,
  };
}

interface Design {
  name: string;
  fragment: string;
  /** Text of an input of a cell of the drawn pyramid: the keystrokes append a digit to it, then delete it. */
  line: string;
  lines: number;
  bytes: number;
}

/** 50 generated pyramids (valid; each LARGE_CELLS cells) in one file, as one text. */
function largeText(): string {
  return Array.from({ length: LARGE_PYRAMIDS }, (_, p) => printPyramid({ ...generatedPyramid(LARGE_CELLS, p + 1), name: `big${p}` })).join('\n');
}

async function designs(): Promise<Design[]> {
  const large = largeText();
  const errors = checkText(large, '/bench/large.fpn').diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the generated large file has errors: ${errors[0].message}`);
  const example = readFileSync('examples/nasfpn.fpn', 'utf8');
  const firstCell = large.split('\n').find((l) => /^\s+cell /.test(l))!;
  return [
    { name: 'nasfpn.fpn', fragment: '#example=nasfpn.fpn', line: 'cell n6 @P4 = sum(P4, n5)', lines: example.split('\n').length, bytes: example.length },
    { name: `${LARGE_PYRAMIDS} pyramids × ${LARGE_CELLS} cells`, fragment: await fragmentOf(large), line: firstCell.trim(), lines: large.split('\n').length, bytes: large.length },
  ];
}

interface Load {
  firstRenderMs: number;
  scriptMs: number;
  requests: string[];
  breaks: Keystroke[];
  fixes: Keystroke[];
  cellsViewMs?: number;
}

async function measureLoad(browser: Browser, url: string, design: Design, withCells: boolean): Promise<Load> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.addInitScript(recordMarks);
  await page.goto(url + design.fragment);
  await page.waitForSelector('body[data-state=ready]', { timeout: PAGE_TIMEOUT_MS });
  const first = await dataset(page);
  const loaded = [...requests];

  // The cursor after the last input of the cell: a digit there names a layer that does not exist.
  await page.locator('.cm-line', { hasText: design.line }).first().click();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  // The pointer away from the text: a hover asks the service, which checks at once.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(SETTLE_MS);
  const breaks: Keystroke[] = [];
  const fixes: Keystroke[] = [];
  for (let i = 0; i < KEYSTROKE_PAIRS; i++) {
    breaks.push(await keystroke(page, '9'));
    fixes.push(await keystroke(page, 'Backspace'));
  }
  if (breaks.some((k) => k.errors === 0) || fixes.some((k) => k.errors !== 0)) throw new Error(`${design.name}: the keystrokes did not break and fix the file (${JSON.stringify({ breaks, fixes })})`);

  let cellsViewMs: number | undefined;
  if (withCells) {
    const start = await page.evaluate(() => performance.now());
    await page.click('#tabs [data-view=cells]');
    await page.waitForSelector('#view[data-view=cells] svg', { timeout: PAGE_TIMEOUT_MS });
    cellsViewMs = round1((await page.evaluate(() => performance.now())) - start);
  }
  if (problems.length) throw new Error(`${design.name}: the page failed: ${problems[0]}`);
  await page.close();
  return { firstRenderMs: Number(first.firstRenderMs), scriptMs: Number(first.scriptMs), requests: loaded, breaks, fixes, cellsViewMs };
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, medianMs: round1(sorted[Math.floor(sorted.length / 2)]), minMs: round1(sorted[0]), maxMs: round1(sorted[sorted.length - 1]) };
}

function keystrokeSummary(keys: Keystroke[]) {
  return {
    toDiagnostics: summary(keys.map((k) => k.toDiagnosticsMs)),
    toDrawing: summary(keys.map((k) => k.toDrawingMs)),
    toFrame: summary(keys.map((k) => k.toFrameMs)),
    checkMs: summary(keys.map((k) => k.checkMs)),
    drawMs: summary(keys.map((k) => k.drawMs)),
  };
}

async function measurePage(chromium: string) {
  const server = await servePlayground(readPlayground(dir), '127.0.0.1', 0);
  const browser = await openBrowser(chromium);
  try {
    const results = [];
    const blank = await browser.context.newPage();
    const userAgent = await blank.evaluate(() => navigator.userAgent);
    await blank.close();
    for (const design of await designs()) {
      const loads: Load[] = [];
      for (let r = 0; r < ROUNDS; r++) loads.push(await measureLoad(browser, server.url, design, design.name === 'nasfpn.fpn'));
      // The bench's own check: the first load fetched exactly what the metafile says it would.
      const fetched = new Set(loads[0].requests.map((p) => (p === '/' ? 'index.html' : p.slice(1))));
      const expected = new Set(parts.initial.files.map((f) => f.path));
      if ([...fetched].sort().join() !== [...expected].sort().join()) throw new Error(`the first load fetched ${[...fetched].sort().join(', ')}, not ${[...expected].sort().join(', ')}`);
      const result = {
        design: design.name, lines: design.lines, bytes: design.bytes, linkBytes: design.fragment.length,
        firstRender: summary(loads.map((l) => l.firstRenderMs)),
        // The first of the rounds (for the example, the first page the freshly started browser opens).
        firstRenderFirstLoadMs: loads[0].firstRenderMs,
        script: summary(loads.map((l) => l.scriptMs)),
        breakKeystroke: keystrokeSummary(loads.flatMap((l) => l.breaks)),
        fixKeystroke: keystrokeSummary(loads.flatMap((l) => l.fixes)),
        ...(loads[0].cellsViewMs !== undefined ? { cellsViewFirstOpen: summary(loads.map((l) => l.cellsViewMs!)) } : {}),
      };
      console.log(`${design.name}: first render ${result.firstRender.medianMs} ms (script ${result.script.medianMs} ms; first load ${result.firstRenderFirstLoadMs} ms); ` +
        `keystroke → diagnostics ${result.breakKeystroke.toDiagnostics.medianMs} ms, → Figure 7 again ${result.fixKeystroke.toDrawing.medianMs} ms` +
        (result.cellsViewFirstOpen ? `; cells view ${result.cellsViewFirstOpen.medianMs} ms` : ''));
      results.push(result);
    }
    return { browser: userAgent, designs: results };
  } finally {
    await browser.close();
    await server.close();
  }
}

const chromium = chromiumOrSkip('the browser part of the playground benchmark');
const pageResults = chromium ? await measurePage(chromium) : { skipped: inChromium(null, 'measuring the page') };
rmSync(dir, { recursive: true, force: true });

writeResult('playground', {
  loadAverage: { before: loadBefore, after: load() },
  bundle: {
    initial: parts.initial,
    lazy: parts.lazy,
    neverFetched: parts.never,
    biggestPackages: biggestOwners,
    biggestInputs,
  },
  page: { rounds: ROUNDS, keystrokePairsPerLoad: KEYSTROKE_PAIRS, ...pageResults },
});
