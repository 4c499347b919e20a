// The pages the extension's webviews show beside the editor: the Figure 7 drawing of a pyramid (the SVG the
// language server draws) and the parameter/FLOP table of a document's detectors (what `nasfpn stats` counts,
// the same rows). Plain functions of the server's answers, with nothing from VS Code, so tests render them as
// they are.
//
// What comes from a file (its name, its declarations' names) reaches the page only as escaped text, and the
// page runs no script at all: its Content-Security-Policy is the one VS Code's webview guide prescribes for a
// page without scripts (nothing loads from anywhere; the one <style> element carries a fresh nonce, so no
// other style or script runs), and the panel is opened with scripts disabled and no local resources.
import { COUNT_COLUMNS, countRows, countTitle, FLOPS_CONVENTION } from '../../../src/codegen/count-table.js';
import type { ModelCounts } from '../../../src/codegen/count.js';

/** What the server's nasfpn/stats request answers for one detector: `nasfpn stats --json`'s counts. */
export type DetectorStats = ModelCounts;

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** 128 random bits, base64: a nonce no page content can guess. */
function freshNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** No scripts, nothing loaded from anywhere; only the page's own <style> element (it carries the nonce). */
export const contentSecurityPolicy = (nonce: string): string => `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`;

function page(title: string, body: string, nonce = freshNonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); padding: 12px; }
  h1 { font-size: 1.1em; font-weight: 600; margin: 0 0 8px; }
  .figure svg { max-width: 100%; height: auto; }
  table { border-collapse: collapse; margin: 8px 0 20px; }
  th, td { padding: 2px 10px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  thead th { border-bottom: 1px solid currentColor; }
  tr.total td { border-top: 1px solid currentColor; font-weight: 600; }
  .note { opacity: 0.75; font-size: 0.9em; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The Figure 7 view of pyramid `name`: the server's SVG, as it is (the drawer escapes every text it draws). */
export function figure7Html(name: string, svg: string): string {
  return page(`Figure 7: ${name}`, `<h1>Figure 7 — pyramid ${escapeHtml(name)}</h1>\n<div class="figure">${svg}</div>`);
}

const row = (cells: string[], tag: 'td' | 'th', total = false) => `<tr${total ? ' class="total"' : ''}>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;

/** The table of each detector: trainable and non-trainable parameters, GMACs and GFLOPs by part. */
export function statsHtml(file: string, detectors: DetectorStats[]): string {
  const tables = detectors.map((d) => `<h1>${escapeHtml(countTitle(d))}</h1>
<table><thead>${row(COUNT_COLUMNS, 'th')}</thead>
<tbody>${countRows(d).map((cells, i, rows) => row(cells, 'td', i === rows.length - 1)).join('')}</tbody></table>`);
  const body = detectors.length ? tables.join('\n') : '<p>This file declares no detector.</p>';
  return page(`Stats: ${file}`, `${body}\n<p class="note">${escapeHtml(FLOPS_CONVENTION)} (as <code>nasfpn stats</code> prints).</p>`);
}
