// `node scripts/grammar-diagrams.mjs`: writes grammar/diagrams.html, the railroad diagrams of the .fpn
// grammar, from the chevrotain parser in src/parser/grammar.ts (scripts/grammar-diagrams-html.ts does the
// work). Run it after changing the grammar;
// test/parser/grammar-docs.test.ts fails until you do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { withTsModule } from './import-ts.mjs';

await withTsModule('scripts/grammar-diagrams-html.ts', ({ grammarDiagramsHtml }) => {
  mkdirSync('grammar', { recursive: true });
  writeFileSync('grammar/diagrams.html', grammarDiagramsHtml());
  console.log('wrote grammar/diagrams.html');
});
