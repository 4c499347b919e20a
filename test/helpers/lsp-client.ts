// A real Language Server Protocol client for tests and benchmarks: it starts the bundled server
// (`node bin/nasfpn.js lsp --stdio`, dist/ built by ensureBundle) and talks JSON-RPC to it over stdio with
// vscode-languageserver-protocol, as an editor does.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node.js';
import {
  DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification,
  InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest,
  type Diagnostic, type InitializeResult, type PublishDiagnosticsParams, type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';

export const uriOf = (path: string): string => pathToFileURL(path).href;

export interface LspClient {
  connection: ProtocolConnection;
  process: ChildProcess;
  initialize: InitializeResult;
  /** Everything the server wrote to stderr (it should stay empty). */
  stderr(): string;
  /** Messages the server logged through window/logMessage. */
  logs: string[];
  open(uri: string, text: string, version?: number): void;
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void;
  close(uri: string): void;
  /** The next diagnostics published for `uri` that satisfy `accept` (default: any), within `timeoutMs`. */
  diagnostics(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  /** The last diagnostics published for `uri`, if any. */
  latest(uri: string): PublishDiagnosticsParams | undefined;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** The workspace folder (for references across files). */
  root?: string;
  /** The server's script and arguments (default: the CLI bundle's `lsp --stdio`). */
  server?: string[];
  initializationOptions?: Record<string, unknown>;
}

/** Starts `nasfpn lsp` from dist/ (or another server script) and initializes it. */
export async function startLsp(options: StartOptions = {}): Promise<LspClient> {
  const child = spawn(process.execPath, options.server ?? ['bin/nasfpn.js', 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const published = new Map<string, PublishDiagnosticsParams>();
  const waiters: { uri: string; accept: (p: PublishDiagnosticsParams) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.set(params.uri, params);
    for (const w of [...waiters]) {
      if (w.uri === params.uri && w.accept(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params.diagnostics);
      }
    }
  });
  const logs: string[] = [];
  connection.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  connection.listen();
  const initialize = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: options.root ? uriOf(options.root) : null,
    workspaceFolders: options.root ? [{ uri: uriOf(options.root), name: 'workspace' }] : null,
    capabilities: {},
    initializationOptions: options.initializationOptions,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection, process: child, initialize, logs,
    stderr: () => stderr,
    open: (uri, text, version = 1) => void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'fpn', version, text } }),
    change: (uri, version, changes) => void connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes }),
    close: (uri) => void connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } }),
    diagnostics: (uri, accept = () => true, timeoutMs = 20_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ uri, accept, resolve: (d) => { clearTimeout(timer); resolve(d); } });
    }),
    latest: (uri) => published.get(uri),
    async stop() {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        child.kill();
      }
      const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => { child.kill(); resolve(null); }, 5000))]);
      connection.dispose();
      return code;
    },
  };
}

/** A fixture text with cursor markers `⟦name⟧`: the text without them, and each marker's position. */
export interface Marked {
  text: string;
  markers: Map<string, { line: number; character: number; offset: number }>;
}

const MARKER = /⟦([\w-]+)⟧/g;

export function readMarked(path: string): Marked {
  return parseMarked(readFileSync(path, 'utf8'));
}

export function parseMarked(source: string): Marked {
  const markers = new Map<string, { line: number; character: number; offset: number }>();
  let text = '';
  let last = 0;
  for (const match of source.matchAll(MARKER)) {
    text += source.slice(last, match.index);
    last = match.index! + match[0].length;
    const lines = text.split(/\r\n|\r|\n/);
    markers.set(match[1], { line: lines.length - 1, character: lines[lines.length - 1].length, offset: text.length });
  }
  text += source.slice(last);
  return { text, markers };
}
