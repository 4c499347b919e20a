// The pages the extension's webviews show beside the editor: the Figure 7 drawing of a pyramid (the SVG the
// language server draws) and the parameter/FLOP table of a document's detectors (what `nasfpn stats` counts).
// Plain functions of the server's answers, with nothing from VS Code, so tests render them as they are.

/** What the server's nasfpn/stats request answers for one detector. */
export interface DetectorStats {
  name: string;
  inputSize: number;
  trainable: number;
  nonTrainable: number;
  flops: number;
  groups: { group: string; trainable: number; nonTrainable: number; macs: number }[];
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** No scripts, nothing loaded from anywhere: styles inline, the drawing inline. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>${escapeHtml(title)}</title>
<style>
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

/** The Figure 7 view of pyramid `name`: the server's SVG, as it is (the server escapes what it draws). */
export function figure7Html(name: string, svg: string): string {
  return page(`Figure 7: ${name}`, `<h1>Figure 7 — pyramid ${escapeHtml(name)}</h1>\n<div class="figure">${svg}</div>`);
}

const thousands = (n: number) => n.toLocaleString('en-US');
const giga = (n: number) => (n / 1e9).toFixed(2);

/** The table of each detector: trainable and non-trainable parameters, GMACs and GFLOPs by part. */
export function statsHtml(file: string, detectors: DetectorStats[]): string {
  const tables = detectors.map((d) => {
    const rows = d.groups.map((g) => `<tr><td>${escapeHtml(g.group)}</td><td>${thousands(g.trainable)}</td><td>${thousands(g.nonTrainable)}</td><td>${giga(g.macs)}</td><td>${giga(2 * g.macs)}</td></tr>`);
    const macs = d.groups.reduce((sum, g) => sum + g.macs, 0);
    rows.push(`<tr class="total"><td>total</td><td>${thousands(d.trainable)}</td><td>${thousands(d.nonTrainable)}</td><td>${giga(macs)}</td><td>${giga(d.flops)}</td></tr>`);
    return `<h1>${escapeHtml(d.name)}, input ${d.inputSize}×${d.inputSize}: ${(d.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(d.flops)} GFLOPs</h1>
<table><thead><tr><th>part</th><th>trainable</th><th>non-trainable</th><th>GMACs</th><th>GFLOPs</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>`;
  });
  const body = detectors.length ? tables.join('\n') : '<p>This file declares no detector.</p>';
  return page(`Stats: ${file}`, `${body}\n<p class="note">FLOPs = 2 × multiply-adds of the convolutions, as the paper's Table 1 counts them (as <code>nasfpn stats</code> prints).</p>`);
}
