// The README's picture of the editor support, rendered from a real run: it starts the bundled language server
// (`nasfpn lsp`), opens examples/nasfpn.fpn with one typo, and asks the server for the semantic tokens, the
// inlay hints, the diagnostics, a hover and the Figure 7 drawing. The page shows exactly those answers: the
// code coloured by the server's semantic tokens (VS Code's Dark+ colours), its inlay hints, the squiggle and
// problem of its diagnostic, its hover, and beside it the Draw Figure 7 webview page the extension shows
// (editors/vscode/src/views.ts). It is not a VS Code window: Chromium renders the page headless.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HoverRequest, InlayHintRequest, SemanticTokensRequest, type InlayHint } from 'vscode-languageserver-protocol';
import { figure7Html } from '../editors/vscode/src/views.js';
import { SEMANTIC_TOKENS_LEGEND } from '../src/service/index.js';
import { startLsp, uriOf } from '../test/helpers/lsp-client.js';

const FILE = resolve('examples/nasfpn.fpn');
const TYPO = ['  pyramid nasfpn x 7 @ 256\n  levels', '  pyramid nasfp x 7 @ 256\n  levels'];
const LINES = 28;
const COLORS: Record<string, string> = {
  keyword: '#569cd6', class: '#4ec9b0', struct: '#4ec9b0', namespace: '#4ec9b0', event: '#4ec9b0', variable: '#9cdcfe',
  enumMember: '#4fc1ff', function: '#dcdcaa', property: '#9cdcfe', parameter: '#9cdcfe', number: '#b5cea8', string: '#ce9178', comment: '#6a9955',
};
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const markdown = (s: string) => escape(s).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/\*(.+?)\*/g, '<i>$1</i>').replace(/`(.+?)`/g, '<code>$1</code>').replace(/\n/g, '<br>');

export async function screenshotHtml(): Promise<string> {
  const text = readFileSync(FILE, 'utf8').replace(TYPO[0], TYPO[1]);
  const client = await startLsp();
  const uri = uriOf(FILE);
  const published = client.diagnostics(uri);
  client.open(uri, text);
  const diagnostics = (await published).filter((d) => d.severity === 1);
  const textDocument = { uri };
  const tokens = (await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument }))!.data;
  const hints = ((await client.connection.sendRequest(InlayHintRequest.type, { textDocument, range: { start: { line: 0, character: 0 }, end: { line: LINES, character: 0 } } })) ?? []) as InlayHint[];
  const hoverAt = { line: 7, character: 8 };
  const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument, position: hoverAt });
  const drawn = await client.connection.sendRequest('nasfpn/draw', { uri, theme: 'dark' }) as { name: string; svg: string };
  await client.stop();

  // Colour per character from the tokens (Δline, Δstart, length, type, modifiers).
  const lines = text.split('\n').slice(0, LINES);
  const color: (string | undefined)[][] = lines.map((l) => Array.from(l, () => undefined));
  let line = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i += 5) {
    line += tokens[i];
    start = tokens[i] === 0 ? start + tokens[i + 1] : tokens[i + 1];
    if (line >= LINES) break;
    for (let c = start; c < start + tokens[i + 2]; c++) color[line][c] = COLORS[SEMANTIC_TOKENS_LEGEND.tokenTypes[tokens[i + 3]]];
  }
  const squiggle = diagnostics[0];
  const rows = lines.map((l, n) => {
    let html = '';
    const hintsHere = hints.filter((h) => h.position.line === n);
    for (let c = 0; c <= l.length; c++) {
      for (const h of hintsHere.filter((x) => x.position.character === c)) html += `<span class="hint">${escape(String(h.label))}</span>`;
      if (c === l.length) break;
      const ch = escape(l[c]);
      const bad = squiggle && squiggle.range.start.line === n && c >= squiggle.range.start.character && c < squiggle.range.end.character;
      html += `<span style="color:${color[n][c] ?? '#d4d4d4'}"${bad ? ' class="bad"' : ''}>${ch}</span>`;
    }
    return `<div class="row"><span class="num">${n + 1}</span><span class="code">${html}</span></div>`;
  });
  const hoverText = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
  const problem = squiggle ? `<div class="problems"><b>PROBLEMS</b> &nbsp; ⊗ ${escape(squiggle.message)} <span class="dim">${escape(String(squiggle.code))} nasfpn · line ${squiggle.range.start.line + 1}</span></div>` : '';
  // VS Code's dark theme sets these through --vscode-* variables; the page's CSP admits only its own nonce'd style.
  const webview = figure7Html(drawn.name, drawn.svg).replace(/(<style nonce="[^"]+">)/, '$1\n  body { background: #1e1e1e; color: #ccc; }');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #1e1e1e; font-family: 'DejaVu Sans', sans-serif; color: #ccc; }
  .window { display: flex; height: 720px; }
  .editor { width: 60%; position: relative; overflow: hidden; font-family: 'DejaVu Sans Mono', monospace; font-size: 13px; line-height: 19px; border-right: 1px solid #333; }
  .tab { background: #252526; padding: 6px 12px; font-family: 'DejaVu Sans', sans-serif; font-size: 12px; }
  .row { white-space: pre; } .num { display: inline-block; width: 36px; color: #858585; text-align: right; margin-right: 14px; }
  .hint { background: #383838; color: #999; border-radius: 3px; padding: 0 3px; margin: 0 3px; font-size: 11px; }
  .bad { text-decoration: underline wavy #f14c4c; }
  .hover { position: absolute; left: 110px; top: ${(hoverAt.line + 2) * 19 + 30}px; width: 560px; background: #252526; border: 1px solid #454545; padding: 8px 10px; font-family: 'DejaVu Sans', sans-serif; font-size: 12px; line-height: 17px; box-shadow: 0 2px 8px #000; }
  .hover code { font-family: 'DejaVu Sans Mono', monospace; color: #ce9178; }
  .problems { position: absolute; bottom: 0; left: 0; right: 0; background: #181818; border-top: 1px solid #333; padding: 8px 12px; font-family: 'DejaVu Sans', sans-serif; font-size: 12px; }
  .dim { color: #888; } .view { width: 40%; } .view iframe { width: 100%; height: 730px; border: 0; }
  .caption { font-size: 11px; color: #888; padding: 4px 12px; }
</style></head><body>
<div class="window"><div class="editor"><div class="tab">nasfpn.fpn</div>${rows.join('')}
<div class="hover">${markdown(hoverText)}</div>${problem}</div>
<div class="view"><div class="tab">Figure 7: ${escape(drawn.name)}</div><iframe srcdoc="${webview.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe></div></div>
<div class="caption">Rendered by scripts/vscode-screenshot.mjs from a real run of <code>nasfpn lsp</code> on examples/nasfpn.fpn with one typo (nasfp): semantic tokens, inlay hints, the diagnostic and the hover are the server's answers; right, the extension's Draw Figure 7 page. Not a VS Code window.</div>
</body></html>`;
}

const html = await screenshotHtml();
const page = resolve('node_modules/.cache/nasfpn-screenshot.html');
writeFileSync(page, html);
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const profile = resolve(`node_modules/.cache/nasfpn-chromium-${process.pid}`);
execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--hide-scrollbars', '--window-size=1400,790', `--screenshot=${resolve('docs/images/vscode.png')}`, `file://${page}`], { stdio: 'pipe' });
execFileSync('rm', ['-rf', profile]);
console.log('wrote docs/images/vscode.png');
