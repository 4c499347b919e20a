// Hostile documents never stop the language server. The language fuzz corpus (test/helpers/mutants.ts, the
// mutation classes of test/parser/fuzz.test.ts) sends 1,000 mutated documents to the bundled `nasfpn lsp`;
// each is opened, checked (its diagnostics arrive), asked for a hover, a completion, semantic tokens, the
// outline and formatting at a random place, and closed. Then a valid document gets its diagnostics, and no
// request failed inside the server (it logs any it had to answer with nothing).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import {
  CompletionRequest, DocumentFormattingRequest, DocumentSymbolRequest, HoverRequest, SemanticTokensRequest,
} from 'vscode-languageserver-protocol';
import { Random } from '../../src/util/random.js';
import { ensureBundle } from '../helpers/cli.js';
import { startLsp, uriOf, type LspClient } from '../helpers/lsp-client.js';
import { MUTATION_CLASSES, Mutator, validSources } from '../helpers/mutants.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20190417);
const COUNT = Number(process.env.LSP_FUZZ_COUNT ?? 1000);
/**
 * Left out: huge-file (a 20 MiB buffer per mutant measures the pipe, not the server) and deep-nesting (up to
 * 200,000 syntax errors in one document cost the parser about a minute here, in `nasfpn check` alike);
 * test/parser/fuzz.test.ts runs them through the checker. Every other class runs in full, device-import
 * included: an import names a regular file under MAX_SOURCE_BYTES, anything else is FPN014 at once.
 */
const CLASSES = MUTATION_CLASSES.filter((c) => c !== 'huge-file' && c !== 'deep-nesting');

let client: LspClient;

beforeAll(async () => {
  ensureBundle();
  client = await startLsp();
}, 180_000);

afterAll(async () => {
  expect(await client?.stop()).toBe(0);
});

describe(`the language server under ${COUNT} mutated documents (seed ${SEED})`, () => {
  test('answers every one, then checks a valid document', async () => {
    const sources = validSources();
    const random = Random.seeded(SEED);
    const mutator = new Mutator(sources, random);
    for (let n = 0; n < COUNT; n++) {
      const source = sources[n % sources.length];
      const text = mutator.mutate(source, CLASSES[n % CLASSES.length]);
      const uri = uriOf(resolve('examples', `mutant-${n}-${source.file}`));
      const published = client.diagnostics(uri, () => true, 60_000);
      client.open(uri, text);
      await published;
      const lines = text.split('\n');
      const line = random.int(lines.length);
      const position = { line, character: random.int(lines[line].length + 1) };
      const textDocument = { uri };
      await Promise.all([
        client.connection.sendRequest(HoverRequest.type, { textDocument, position }),
        client.connection.sendRequest(CompletionRequest.type, { textDocument, position }),
        client.connection.sendRequest(SemanticTokensRequest.type, { textDocument }),
        client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument }),
        client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument, options: { tabSize: 2, insertSpaces: true } }),
      ]);
      client.close(uri);
    }
    const valid = resolve('examples/nasfpn.fpn');
    const published = client.diagnostics(uriOf(valid));
    client.open(uriOf(valid), sources.find((s) => s.file === 'nasfpn.fpn')!.text);
    const diagnostics = await published;
    expect(diagnostics.map((d) => d.code)).toEqual(['FPN140', 'FPN140']);
    // Nothing may fail inside the server: no check (a check that throws is the checker's bug, which
    // test/parser/fuzz.test.ts hunts too) and no editor feature, on any document.
    const failures = client.logs.filter((m) => m.includes(' failed: '));
    expect(failures.map((m) => m.split('\n').slice(0, 2).join(' | '))).toEqual([]);
    expect(client.stderr()).toBe('');
  }, 600_000);
});
