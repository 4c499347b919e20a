// The language server as an editor drives it: the bundled `nasfpn lsp` over stdio, a real protocol client
// (test/helpers/lsp-client.ts). Fixture folders under test/fixtures/lsp/<case>/ hold .fpn files with cursor
// markers ⟦name⟧ (removed before the files are opened) and an expected.json saying what each request at a
// marker answers: hovers (text they contain), definitions and references (the markers they point at,
// `file#marker` in another file), renames (the edits, or the refusal), completions (labels offered and not),
// code actions (titles; applying each removes its diagnostic), formatting (the `nasfpn fmt` text).
// Diagnostics are compared with `nasfpn check --format json` on every checker fixture: the same codes,
// messages, ranges and severities.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CodeActionRequest, CompletionRequest, DefinitionRequest, DocumentFormattingRequest, DocumentRangeFormattingRequest,
  DocumentSymbolRequest, FoldingRangeRequest, HoverRequest, InlayHintRequest, PrepareRenameRequest, ReferencesRequest,
  RenameRequest, SelectionRangeRequest, SemanticTokensRequest, type Location, type Position, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { formatFile } from '../../src/format/format.js';
import { parseFpn } from '../../src/parser/parse.js';
import { ensureBundle, nasfpn } from '../helpers/cli.js';
import { parseMarked, startLsp, uriOf, type LspClient, type Marked } from '../helpers/lsp-client.js';

const FIXTURES = resolve('test/fixtures/lsp');
const CHECK_FIXTURES = resolve('test/fixtures/check');

interface Expected {
  hover?: Record<string, string[]>;
  definition?: Record<string, string | null>;
  references?: Record<string, string[]>;
  rename?: Record<string, { newName: string; edits?: string[]; error?: string }>;
  completion?: Record<string, { includes: string[]; excludes: string[] }>;
  codeActions?: Record<string, string[]>;
  formatting?: { range: [string, string] };
}

/** A fixture folder copied to a scratch folder without its markers. */
interface Case {
  dir: string;
  files: Map<string, Marked>;
  expected: Expected;
  uri: string;
  text: string;
}

let client: LspClient;
let scratch: string;

function copyCase(name: string): Case {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, Marked>();
  for (const file of readdirSync(join(FIXTURES, name))) {
    if (file === 'expected.json') continue;
    const marked = parseMarked(readFileSync(join(FIXTURES, name, file), 'utf8'));
    writeFileSync(join(dir, file), marked.text);
    files.set(file, marked);
  }
  const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as Expected;
  return { dir, files, expected, uri: uriOf(join(dir, 'input.fpn')), text: files.get('input.fpn')!.text };
}

/** `marker` in input.fpn, or `file#marker` in another file of the case (`file#start`: its first character). */
function where(c: Case, ref: string): { uri: string; position: Position } {
  const [file, marker] = ref.includes('#') ? ref.split('#') : ['input.fpn', ref];
  const uri = uriOf(join(c.dir, file));
  if (marker === 'start') return { uri, position: { line: 0, character: 0 } };
  const found = c.files.get(file)?.markers.get(marker);
  if (!found) throw new Error(`no marker ${ref}`);
  return { uri, position: { line: found.line, character: found.character } };
}

const key = (l: { uri: string; position: Position } | Location) =>
  'position' in l ? `${l.uri}:${l.position.line}:${l.position.character}` : `${l.uri}:${l.range.start.line}:${l.range.start.character}`;

/** Applies protocol edits (not overlapping) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (const m of text.matchAll(/\r\n|\r|\n/g)) lineStarts.push(m.index! + m[0].length);
  const offset = (p: Position) => Math.min(lineStarts[p.line] ?? text.length, text.length) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

beforeAll(async () => {
  ensureBundle();
  scratch = mkdtempSync(join(tmpdir(), 'nasfpn-lsp-'));
  client = await startLsp({ root: scratch });
}, 180_000);

afterAll(async () => {
  const code = await client?.stop();
  rmSync(scratch, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(client.stderr()).toBe('');
});

describe('the server', () => {
  test('initialize advertises every feature', () => {
    const c = client.initialize.capabilities;
    expect(client.initialize.serverInfo?.name).toBe('nasfpn');
    for (const feature of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'renameProvider', 'documentSymbolProvider', 'foldingRangeProvider',
      'selectionRangeProvider', 'completionProvider', 'documentFormattingProvider', 'documentRangeFormattingProvider', 'semanticTokensProvider',
      'inlayHintProvider', 'codeActionProvider'] as const) {
      expect(c[feature], feature).toBeTruthy();
    }
  });

  test('diagnostics are those of nasfpn check --format json, on every checker fixture', async () => {
    const inputs = readdirSync(CHECK_FIXTURES).sort().map((d) => join(CHECK_FIXTURES, d, 'input.fpn'));
    const cli = nasfpn('check', '--format', 'json', ...inputs);
    const expected = JSON.parse(cli.stdout) as { code: string; severity: string; message: string; file: string; line: number; column: number; endLine: number; endColumn: number }[];
    const severities = ['', 'error', 'warning', 'info'];
    for (const input of inputs) {
      const uri = uriOf(input);
      const published = client.diagnostics(uri);
      client.open(uri, readFileSync(input, 'utf8'));
      const diagnostics = await published;
      const asJson = diagnostics.map((d) => ({
        code: d.code, severity: severities[d.severity!], message: d.message,
        line: d.range.start.line + 1, column: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1,
      }));
      const fromCli = expected.filter((e) => resolve(e.file) === input).map(({ code, severity, message, line, column, endLine, endColumn }) => ({ code, severity, message, line, column, endLine, endColumn }));
      expect(asJson, input).toEqual(fromCli);
      client.close(uri);
    }
    expect(expected.length).toBeGreaterThan(80);
  });
});

const cases = readdirSync(FIXTURES).sort();

describe.each(cases)('fixture %s', (name) => {
  let c: Case;
  beforeAll(async () => {
    c = copyCase(name);
    const published = client.diagnostics(c.uri);
    client.open(c.uri, c.text);
    await published;
  });

  test('hover', async () => {
    for (const [marker, parts] of Object.entries(c.expected.hover ?? {})) {
      const { uri, position } = where(c, marker);
      const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
      const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
      for (const part of parts) expect(value, `hover at ${marker}`).toContain(part);
    }
  });

  test('definition', async () => {
    for (const [marker, target] of Object.entries(c.expected.definition ?? {})) {
      const { uri, position } = where(c, marker);
      const found = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position })) as Location[] | null;
      if (target === null) expect(found ?? [], marker).toEqual([]);
      else expect((found ?? []).map(key), marker).toEqual([key(where(c, target))]);
    }
  });

  test('references', async () => {
    for (const [marker, targets] of Object.entries(c.expected.references ?? {})) {
      const { uri, position } = where(c, marker);
      const found = (await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration: true } })) ?? [];
      expect(found.map(key).sort(), marker).toEqual(targets.map((t) => key(where(c, t))).sort());
    }
  });

  test('rename', async () => {
    for (const [marker, { newName, edits, error }] of Object.entries(c.expected.rename ?? {})) {
      const { uri, position } = where(c, marker);
      if (error) {
        const refused = await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName }).then(() => null, (e: Error) => e.message);
        expect(refused, marker).toContain(error);
        continue;
      }
      const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position });
      expect(prepared, marker).toBeTruthy();
      const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName })) as WorkspaceEdit;
      const made = Object.entries(edit.changes ?? {}).flatMap(([u, list]) => list.map((e) => {
        expect(e.newText).toBe(newName);
        return key({ uri: u, range: e.range });
      }));
      expect(made.sort(), marker).toEqual(edits!.map((t) => key(where(c, t))).sort());
    }
  });

  test('completion', async () => {
    for (const [marker, { includes, excludes }] of Object.entries(c.expected.completion ?? {})) {
      const { uri, position } = where(c, marker);
      const result = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
      const labels = (Array.isArray(result) ? result : result?.items ?? []).map((i) => i.label);
      for (const label of includes) expect(labels, `completion at ${marker}`).toContain(label);
      for (const label of excludes) expect(labels, `completion at ${marker}`).not.toContain(label);
    }
  });

  test('code actions apply the checker\'s fixes', async () => {
    const before = client.latest(c.uri)!.diagnostics;
    let version = 1;
    for (const [marker, titles] of Object.entries(c.expected.codeActions ?? {})) {
      const { position } = where(c, marker);
      const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: c.uri }, range: { start: position, end: position }, context: { diagnostics: [] },
      })) ?? [];
      const found = actions.filter((a) => 'title' in a && titles.includes(a.title));
      expect(found.map((a) => a.title).sort(), marker).toEqual([...titles].sort());
      for (const action of found) {
        if (!('edit' in action) || !action.edit?.changes) throw new Error(`${action.title} has no edit`);
        const fixed = applyEdits(c.text, action.edit.changes[c.uri]);
        const fixedCode = action.diagnostics![0].code;
        const next = ++version;
        const published = client.diagnostics(c.uri, (p) => p.version === next);
        client.change(c.uri, next, [{ text: fixed }]);
        const after = await published;
        expect(after.filter((d) => d.code === fixedCode).length, `${action.title}\n${fixed}`).toBeLessThan(before.filter((d) => d.code === fixedCode).length);
        // Back to the fixture's text for the next marker.
        const back = ++version;
        const restored = client.diagnostics(c.uri, (p) => p.version === back);
        client.change(c.uri, back, [{ text: c.text }]);
        expect(await restored).toEqual(before);
      }
    }
  });

  test('formatting gives what nasfpn fmt writes', async () => {
    if (!c.expected.formatting) return;
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: c.uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits?.length).toBeGreaterThan(0);
    const formatted = formatFile(parseFpn(c.text, 'f.fpn').ast);
    expect(applyEdits(c.text, edits!)).toBe(formatted);
    // A range formats the lines it covers and leaves the others as they were.
    const [from, to] = c.expected.formatting.range.map((m) => where(c, m).position);
    const ranged = await client.connection.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri: c.uri }, range: { start: from, end: to }, options: { tabSize: 2, insertSpaces: true } });
    expect(ranged!.length).toBeGreaterThan(0);
    for (const e of ranged!) expect(e.range.start.line >= from.line && e.range.end.line <= to.line + 1, JSON.stringify(e)).toBe(true);
    const partly = applyEdits(c.text, ranged!).split('\n');
    const lines = c.text.split('\n');
    expect(partly.slice(0, from.line)).toEqual(lines.slice(0, from.line));
    expect(partly.join('\n')).toContain('detector small {\n  backbone resnet10\n  pyramid tiny x 2 @ 64\n  input 128\n}');
  });

  test('outline, folding, selection, semantic tokens and inlay hints answer', async () => {
    const textDocument = { uri: c.uri };
    const symbols = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument });
    expect(symbols?.length).toBeGreaterThan(0);
    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument });
    expect(Array.isArray(folds)).toBe(true);
    const selection = await client.connection.sendRequest(SelectionRangeRequest.type, { textDocument, positions: [{ line: 1, character: 3 }] });
    expect(selection?.length).toBe(1);
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument });
    expect(tokens!.data.length % 5).toBe(0);
    expect(tokens!.data.length).toBeGreaterThan(0);
    const lines = c.text.split('\n').length;
    const hints = await client.connection.sendRequest(InlayHintRequest.type, { textDocument, range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } } });
    expect(Array.isArray(hints)).toBe(true);
  });
});

