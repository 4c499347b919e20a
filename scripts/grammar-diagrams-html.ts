// The railroad diagrams of the .fpn grammar as one self-contained HTML page: chevrotain's
// createSyntaxDiagramsCode over the parser's serialized productions, with the diagram scripts and CSS that
// the chevrotain package ships (node_modules/chevrotain/diagrams/) inlined instead of loaded from a CDN, so
// the page renders offline. scripts/grammar-diagrams.mjs writes it to grammar/diagrams.html;
// test/parser/grammar-docs.test.ts fails when that file is stale.
import { createSyntaxDiagramsCode } from 'chevrotain';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fpnParser } from '../src/parser/grammar.js';

export const REFRESH_COMMAND = 'node scripts/grammar-diagrams.mjs';

/** The folder of the installed chevrotain package (the one the parser uses). */
function chevrotainDir(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('chevrotain'));
  while (!existsSync(join(dir, 'diagrams', 'diagrams.css'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the diagrams folder of the chevrotain package');
    dir = up;
  }
  return dir;
}

/** The scripts createSyntaxDiagramsCode links, in its order, relative to its resourceBase. */
const SCRIPTS = ['vendor/railroad-diagrams.js', 'src/diagrams_builder.js', 'src/diagrams_behavior.js', 'src/main.js'];

export function grammarDiagramsHtml(): string {
  const base = join(chevrotainDir(), 'diagrams');
  const RESOURCES = '@@resources@@/';
  const CSS = '@@css@@';
  let html = createSyntaxDiagramsCode(fpnParser.getSerializedGastProductions(), { resourceBase: RESOURCES, css: CSS });

  const inline = (tag: 'script' | 'style', file: string): string => {
    const text = readFileSync(join(base, file), 'utf8').replace(/\r\n/g, '\n').trimEnd();
    // Nothing in the shipped files closes the tag early, but make sure of it.
    return `<${tag}>\n/* chevrotain/diagrams/${file} */\n${text.replace(/<\/(script|style)/gi, '<\\/$1')}\n</${tag}>`;
  };
  const replaceOnce = (from: string, to: string) => {
    if (!html.includes(from)) throw new Error(`createSyntaxDiagramsCode no longer writes ${from}`);
    html = html.replace(from, () => to);
  };
  replaceOnce(`<link rel='stylesheet' href='${CSS}'>`, inline('style', 'diagrams.css'));
  for (const script of SCRIPTS) replaceOnce(`<script src='${RESOURCES}${script}'></script>`, inline('script', script));
  replaceOnce('<meta charset="utf-8">', `<meta charset="utf-8">\n<title>The .fpn grammar</title>\n<!-- Generated from src/parser/grammar.ts by \`${REFRESH_COMMAND}\`; do not edit. -->`);
  if (html.includes('@@')) throw new Error('a resource was not inlined');
  // One trailing newline, no trailing spaces (chevrotain leaves some).
  return html.split('\n').map((line) => line.trimEnd()).join('\n').trim() + '\n';
}
