// The VS Code extension (editors/vscode): its TextMate grammar is generated from the lexer's tokens and
// highlights what the parser sees; its manifest, commands and views agree with its code; the server it
// bundles runs on its own, without node_modules; and `npm run package:vscode` makes a .vsix holding all of it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFpn } from '../../src/parser/parse.js';
import { fpnLexer, NumberLiteral, StringLiteral, Comment } from '../../src/parser/tokens.js';
import { keywordTokens, REFRESH_COMMAND, textmateGrammar, textmateGrammarJson } from '../../scripts/textmate-grammar.js';
import { figure7Html, statsHtml } from '../../editors/vscode/src/views.js';
import { startLsp, uriOf } from '../helpers/lsp-client.js';

const EXTENSION = 'editors/vscode';

interface Rule {
  name?: string;
  match?: string;
  captures?: Record<string, { name: string }>;
  patterns?: Rule[];
  include?: string;
}

/** The scope of every character of `line`, by TextMate's rule for flat `match` patterns: the earliest match wins, ties go to the first pattern. */
function highlight(line: string): string[] {
  const grammar = textmateGrammar() as { patterns: Rule[]; repository: Record<string, Rule> };
  const flatten = (rules: Rule[]): Rule[] => rules.flatMap((r) => (r.include ? flatten([grammar.repository[r.include.slice(1)]]) : r.patterns ? flatten(r.patterns) : [r]));
  const rules = flatten(grammar.patterns).map((r) => ({ rule: r, regex: new RegExp(r.match!, 'dg') }));
  const scopes: string[] = Array.from(line, () => '');
  let at = 0;
  while (at < line.length) {
    let best: { rule: Rule; match: RegExpExecArray } | null = null;
    for (const { rule, regex } of rules) {
      regex.lastIndex = at;
      const match = regex.exec(line);
      if (match && match[0].length > 0 && (!best || match.index < best.match.index)) best = { rule, match };
    }
    if (!best) break;
    const { rule, match } = best;
    const [start, end] = match.indices![0];
    if (rule.name) for (let i = start; i < end; i++) scopes[i] = rule.name;
    for (const [group, capture] of Object.entries(rule.captures ?? {})) {
      const span = match.indices![Number(group)];
      if (span) for (let i = span[0]; i < span[1]; i++) scopes[i] = capture.name;
    }
    at = end;
  }
  return scopes;
}

describe('the TextMate grammar', () => {
  test('is generated from the lexer\'s tokens and up to date', () => {
    const committed = readFileSync(join(EXTENSION, 'syntaxes/fpn.tmLanguage.json'), 'utf8');
    expect(committed === textmateGrammarJson(), `the grammar is stale: run \`${REFRESH_COMMAND}\` and commit the result`).toBe(true);
    const text = JSON.stringify(textmateGrammar());
    for (const token of [NumberLiteral, StringLiteral, Comment]) expect(text).toContain(JSON.stringify((token.PATTERN as RegExp).source).slice(1, -1));
    expect(keywordTokens().map((t) => t.name.toLowerCase()).sort()).toEqual(['cell', 'detector', 'from', 'import', 'output', 'pyramid', 'search', 'train']);
  });

  const examples = readdirSync('examples').filter((f) => f.endsWith('.fpn')).sort();
  test.each(examples)('highlights %s as the parser reads it', (file) => {
    const text = readFileSync(join('examples', file), 'utf8');
    const { ast, diagnostics } = parseFpn(text, file);
    expect(diagnostics).toEqual([]);
    const lines = text.split('\n');
    const scopeAt = (named: { range: { start: { line: number; column: number } } }) => highlight(lines[named.range.start.line - 1])[named.range.start.column - 1];
    for (const d of ast.declarations) {
      expect(scopeAt(d.keyword), `${file}:${d.keyword.range.start.line}`).toBe('storage.type.declaration.fpn');
      expect(scopeAt(d.name), `${file}:${d.name.range.start.line}`).toBe('entity.name.type.fpn');
      for (const s of d.body) {
        if (s.kind === 'cell') {
          expect([scopeAt(s.keyword), scopeAt(s.name), scopeAt(s.level), scopeAt(s.op)]).toEqual(
            ['storage.type.cell.fpn', 'variable.other.definition.fpn', 'constant.other.level.fpn', 'entity.name.function.fpn']);
        } else {
          expect(scopeAt(s.key), `${file}:${s.key.range.start.line} ${s.key.text}`).toBe('variable.other.property.fpn');
        }
      }
    }
    for (const i of ast.imports) expect(scopeAt(i.path)).toBe('string.quoted.double.fpn');
    for (const c of ast.comments) expect(scopeAt(c)).toBe('comment.line.number-sign.fpn');
    // Numbers are numbers, and no digit inside a name is one.
    for (const token of fpnLexer.tokenize(text).tokens) {
      const scope = highlight(lines[token.startLine! - 1])[token.startColumn! - 1];
      if (token.tokenType === NumberLiteral) expect(scope, `${file}:${token.startLine}`).toBe('constant.numeric.fpn');
      else expect(scope, `${file}:${token.startLine} ${token.image}`).not.toBe('constant.numeric.fpn');
    }
  });
});

describe('the extension', () => {
  const manifest = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8'));
  const code = readFileSync(join(EXTENSION, 'src/extension.ts'), 'utf8');

  test('its manifest names the language, grammar, configuration and the commands its code registers', () => {
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'fpn', extensions: ['.fpn'] });
    expect(manifest.contributes.grammars[0].path).toBe('./syntaxes/fpn.tmLanguage.json');
    const commands = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    expect([...code.matchAll(/registerCommand\('([\w.]+)'/g)].map((m) => m[1]).sort()).toEqual(commands);
    expect(commands).toEqual(['nasfpn.drawFigure7', 'nasfpn.showStats']);
    const configuration = JSON.parse(readFileSync(join(EXTENSION, 'language-configuration.json'), 'utf8'));
    expect(configuration.comments.lineComment).toBe('#');
    for (const key of Object.keys(manifest.contributes.configuration.properties)) expect(code).toContain(`'${key.replace(/^nasfpn\./, '')}'`);
  });

  test('its views render the server\'s answers, with no script and escaped names', () => {
    const figure = figure7Html('p<1>', '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    expect(figure).toContain('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    expect(figure).toContain('p&lt;1&gt;');
    expect(figure).toContain("default-src 'none'");
    expect(figure).not.toMatch(/<script/i);
    const stats = statsHtml('a.fpn', [{ name: 'd', inputSize: 640, trainable: 60_321_234, nonTrainable: 1000, macs: 140.65e9, flops: 281.3e9, groups: [{ group: 'backbone', trainable: 23_000_000, nonTrainable: 1000, macs: 40e9 }] }]);
    expect(stats).toContain('60.32 M trainable parameters, 281.30 GFLOPs');
    expect(stats).toContain('<td>23,000,000</td>');
  });

  describe('built', () => {
    let scratch: string;
    beforeAll(() => {
      execFileSync(process.execPath, ['scripts/build-vscode.mjs'], { stdio: 'pipe' });
      scratch = mkdtempSync(join(tmpdir(), 'nasfpn-vscode-'));
    }, 120_000);
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    test('its bundled server runs alone (no node_modules) and draws Figure 7', async () => {
      const server = join(scratch, 'server.js');
      copyFileSync(join(EXTENSION, 'dist/server.js'), server);
      const client = await startLsp({ server: [server, '--stdio'] });
      try {
        const file = resolve('examples/nasfpn.fpn');
        const published = client.diagnostics(uriOf(file));
        client.open(uriOf(file), readFileSync(file, 'utf8'));
        expect((await published).map((d) => d.code)).toEqual(['FPN140', 'FPN140']);
        const drawn = await client.connection.sendRequest('nasfpn/draw', { uri: uriOf(file) }) as { name: string; svg: string };
        expect(drawn.name).toBe('nasfpn');
        expect(drawn.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
        const stats = await client.connection.sendRequest('nasfpn/stats', { uri: uriOf(file) }) as { detectors: { name: string; trainable: number }[] };
        expect(stats.detectors[0].name).toBe('retinanet_nasfpn_r50');
        expect(stats.detectors[0].trainable / 1e6).toBeCloseTo(60.1, 0);
      } finally {
        expect(await client.stop()).toBe(0);
      }
    });

    test('npm run package:vscode makes a .vsix with the client, the server, the grammar and the configuration', () => {
      const vsix = join(EXTENSION, 'nasfpn-fpn.vsix');
      rmSync(vsix, { force: true });
      execFileSync('npm', ['run', 'package:vscode'], { stdio: 'pipe', timeout: 180_000 });
      // A .vsix is a zip: its central directory names every entry in plain text.
      const names = readFileSync(vsix).toString('latin1');
      for (const entry of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/syntaxes/fpn.tmLanguage.json', 'extension/language-configuration.json']) {
        expect(names).toContain(entry);
      }
      expect(names).not.toContain('extension/src/');
      rmSync(vsix, { force: true });
    }, 200_000);
  });
});
