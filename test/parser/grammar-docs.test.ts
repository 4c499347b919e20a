// The grammar documents stay in step with the parser: grammar/diagrams.html is exactly what
// scripts/grammar-diagrams-html.ts generates today (and renders without a network), and grammar/fpn.ebnf
// has a production for every parser rule.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { grammarDiagramsHtml, REFRESH_COMMAND } from '../../scripts/grammar-diagrams-html.js';
import { parseFpn } from '../../src/parser/parse.js';
import { fpnParser } from '../../src/parser/grammar.js';

const ruleNames = Object.keys(fpnParser.getGAstProductions());

describe('grammar/diagrams.html', () => {
  const committed = readFileSync('grammar/diagrams.html', 'utf8');
  const fresh = grammarDiagramsHtml();

  test('is up to date with src/parser/grammar.ts', () => {
    // (Not toBe: a 60 kB diff helps nobody. The message says what to do.)
    expect(committed === fresh, `grammar/diagrams.html is stale: run \`${REFRESH_COMMAND}\` and commit the result`).toBe(true);
  });

  test('is self-contained: no scripts or styles loaded from anywhere', () => {
    expect(fresh).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(fresh).not.toMatch(/<link\b/i);
    expect(fresh).not.toMatch(/unpkg|cdn/i);
    expect(fresh).toContain('<title>The .fpn grammar</title>');
  });

  test('renders one diagram per parser rule (running its inlined scripts)', () => {
    const scripts = [...fresh.matchAll(/<script>\n([\s\S]*?)\n<\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(6); // railroad-diagrams, builder, behavior, main, the grammar, the start-up call
    const window: Record<string, unknown> = {};
    window.window = window;
    const context = vm.createContext(window);
    for (const script of scripts.slice(0, 5)) vm.runInContext(script, context);
    const builder = context.diagrams_builder as { buildSyntaxDiagramsText(grammar: unknown): string };
    const svg = builder.buildSyntaxDiagramsText(context.serializedGrammar);
    expect(svg.match(/<svg /g)?.length).toBe(ruleNames.length);
    for (const rule of ruleNames) expect(svg).toContain(`<h2 class="diagramHeader">${rule}</h2>`);
    // The last script starts the page: it draws into #diagrams.
    expect(scripts[5]).toContain('main.drawDiagramsFromSerializedGrammar(serializedGrammar, diagramsDiv)');
    expect(fresh).toContain('<div id="diagrams"');
  });
});

describe('grammar/fpn.ebnf', () => {
  const ebnf = readFileSync('grammar/fpn.ebnf', 'utf8');
  // Productions: `name = ... ;` at the start of a line (comments stripped).
  const body = ebnf.replace(/\(\*[\s\S]*?\*\)/g, '');
  const productions = [...body.matchAll(/^([A-Za-z]+)\s*=/gm)].map((m) => m[1]);

  test('has a production for every parser rule, with the parser\'s name', () => {
    expect(ruleNames.length).toBeGreaterThan(5);
    for (const rule of ruleNames) expect(productions, rule).toContain(rule);
  });

  test('every name used on a right-hand side is defined', () => {
    // Without literals ('x', "\n") and regular expressions (/.../), what is left are names and operators.
    const bare = body.replace(/=\s*\/.*\/\s*;/g, '= ;').replace(/'[^']*'|"[^"]*"/g, ' ');
    const names = new Set([...bare.matchAll(/\b[A-Za-z]+\b/g)].map((m) => m[0]));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(productions, `${name} is used but not defined`).toContain(name);
  });

  test('names every keyword and symbol token of the lexer', () => {
    for (const word of ['import', 'from', 'pyramid', 'detector', 'search', 'cell', 'output']) expect(ebnf).toContain(`'${word}'`);
    for (const symbol of ['{', '}', '(', ')', ',', '=', '@', '..', ';']) expect(ebnf).toContain(`'${symbol}'`);
  });

  test('its token patterns are the lexer\'s', async () => {
    const tokens = await import('../../src/parser/tokens.js');
    const pattern = (name: string) => new RegExp(`^${name}\\s*=\\s*(/.*/) ;`, 'm').exec(ebnf)?.[1];
    expect(pattern('Identifier')).toBe(String(tokens.Identifier.PATTERN));
    expect(pattern('Number')).toBe(String(tokens.NumberLiteral.PATTERN));
    expect(pattern('String')).toBe(String(tokens.StringLiteral.PATTERN));
    expect(pattern('WhiteSpace')).toBe(String(tokens.WhiteSpace.PATTERN));
    expect(pattern('Comment')).toBe(String(tokens.Comment.PATTERN));
  });

  test('the examples in its comments parse', () => {
    const snippets = [
      'import "nasfpn.fpn"\n',
      'import { proxy_r10 } from "nasfpn.fpn"\n',
      'pyramid p {\n  inputs P3..P7\n  cell n5 @P4 = global_pool(P4, P6)\n  output n7 @P3 = sum(P3, n6)\n}\n',
      'pyramid p { inputs P3..P7; cell n5 @P4 = global_pool(P6, P4, pool=avg, pooled=P4) }\n',
      'detector d {\n  pyramid nasfpn x 7 @ 256\n  head retinanet convs 4 classes 91\n}\n',
      'pyramid output { inputs P3..P4\n output search @P4 = sum(P3, P4) }\n',
    ];
    for (const text of snippets) expect(parseFpn(text, 's.fpn').diagnostics, text).toEqual([]);
  });
});
