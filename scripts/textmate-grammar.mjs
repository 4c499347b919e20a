// `node scripts/textmate-grammar.mjs`: writes editors/vscode/syntaxes/fpn.tmLanguage.json, the extension's
// TextMate grammar, from the chevrotain tokens (scripts/textmate-grammar.ts does the work). Run it after
// changing src/parser/tokens.ts; test/editors/vscode.test.ts fails until you do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { withTsModule } from './import-ts.mjs';

await withTsModule('scripts/textmate-grammar.ts', ({ textmateGrammarJson }) => {
  mkdirSync('editors/vscode/syntaxes', { recursive: true });
  writeFileSync('editors/vscode/syntaxes/fpn.tmLanguage.json', textmateGrammarJson());
  console.log('wrote editors/vscode/syntaxes/fpn.tmLanguage.json');
});
