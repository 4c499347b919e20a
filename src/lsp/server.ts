// `nasfpn lsp`: the language server. It speaks the Language Server Protocol over standard input and output
// (vscode-languageserver) and answers every request from the language service (src/service), which checks
// each open document with the same checker as `nasfpn check`.
//
// Diagnostics are published after changes settle: a change schedules a check of the documents it affects
// (the document, and the open documents whose check read it); changes that arrive while one is pending or
// running are merged into the next one, and the `diagnosticsDelay` initialization option (milliseconds,
// default 0) waits that long after the last change before checking. Errors in files that are not open but
// imported by open ones are published under those files. A request that fails answers an error and logs
// it; nothing a document contains stops the server.
//
// Beyond the protocol, two requests serve the editor extension's views:
//   nasfpn/draw  { uri, name?, theme? } → { name, svg }       the graph view (Figure 7) of a pyramid of the document
//   nasfpn/stats { uri } → { detectors: [{ file, name, … }] }   what `nasfpn stats --json` counts for its detectors
import {
  createConnection, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind, ErrorCodes, FileChangeType,
  type Connection, type InitializeResult,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CheckedDeclaration } from '../semantics/program.js';
import { LanguageService, SEMANTIC_TOKENS_LEGEND, detectorCosts } from '../service/index.js';
import { NodeHost } from './node-host.js';

export const DRAW_REQUEST = 'nasfpn/draw';
export const STATS_REQUEST = 'nasfpn/stats';

export interface DrawParams {
  uri: string;
  /** A pyramid, or a detector (its pyramid); default: the document's first. */
  name?: string;
  theme?: 'light' | 'dark';
}

export interface ServerOptions {
  /** The version the server reports to the client. */
  version: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** Runs the server until the client asks it to exit (or closes the connection). */
export function runLanguageServer(options: ServerOptions): Promise<void> {
  const connection = createConnection(ProposedFeatures.all, options.input ?? process.stdin, options.output ?? process.stdout);
  const server = new Server(connection, options.version);
  server.listen();
  return new Promise((resolve) => connection.onExit(() => resolve()));
}

class Server {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly host = new NodeHost();
  private readonly service = new LanguageService(this.host);
  private readonly pending = new Set<string>();
  private scheduled: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  private delayMs = 0;
  /** Closed files that have imported diagnostics published, so they can be cleared when those go away. */
  private importedPublished = new Set<string>();

  constructor(private readonly connection: Connection, private readonly version: string) {}

  listen(): void {
    const c = this.connection;
    c.onInitialize((params): InitializeResult => {
      const roots = (params.workspaceFolders ?? []).map((f) => this.host.pathOf(f.uri)).filter((p): p is string => p !== null);
      if (!roots.length && params.rootUri) {
        const root = this.host.pathOf(params.rootUri);
        if (root) roots.push(root);
      }
      this.host.setRoots(roots);
      const delay = Number((params.initializationOptions as { diagnosticsDelay?: unknown } | undefined)?.diagnosticsDelay ?? 0);
      this.delayMs = Number.isFinite(delay) && delay >= 0 ? delay : 0;
      return {
        serverInfo: { name: 'nasfpn', version: this.version },
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
          hoverProvider: true,
          definitionProvider: true,
          referencesProvider: true,
          renameProvider: { prepareProvider: true },
          documentSymbolProvider: true,
          foldingRangeProvider: true,
          selectionRangeProvider: true,
          completionProvider: { triggerCharacters: ['@', '=', '(', ',', ' '] },
          documentFormattingProvider: true,
          documentRangeFormattingProvider: true,
          semanticTokensProvider: { legend: SEMANTIC_TOKENS_LEGEND, full: true },
          inlayHintProvider: true,
          codeActionProvider: { codeActionKinds: ['quickfix'] },
        },
      };
    });

    this.documents.onDidOpen(({ document }) => this.changed(document, true));
    this.documents.onDidChangeContent(({ document }) => this.changed(document, false));
    this.documents.onDidClose(({ document }) => {
      this.guard('close', () => {
        this.service.close(document.uri);
        c.sendDiagnostics({ uri: document.uri, diagnostics: [] });
        this.schedule(this.service.affectedBy(document.uri));
      });
    });
    c.onDidChangeWatchedFiles(({ changes }) => {
      this.guard('watched files', () => {
        if (changes.some((change) => change.type !== FileChangeType.Changed)) this.host.filesChanged();
        for (const change of changes) {
          this.service.fileChanged(change.uri);
          this.schedule(this.service.affectedBy(change.uri));
        }
      });
    });

    const s = this.service;
    this.request('hover', c.onHover, (p) => s.hover(p.textDocument.uri, p.position), null);
    this.request('definition', c.onDefinition, (p) => s.definition(p.textDocument.uri, p.position), []);
    this.request('references', c.onReferences, (p) => s.references(p.textDocument.uri, p.position, p.context.includeDeclaration), []);
    c.onPrepareRename((p) => {
      const prepared = this.guard('prepareRename', () => s.prepareRename(p.textDocument.uri, p.position)) ?? { error: 'internal error' };
      if ('error' in prepared) return new ResponseError(ErrorCodes.InvalidRequest, prepared.error);
      return prepared;
    });
    c.onRenameRequest((p) => {
      const renamed = this.guard('rename', () => s.rename(p.textDocument.uri, p.position, p.newName)) ?? { error: 'internal error' };
      if ('error' in renamed) return new ResponseError(ErrorCodes.InvalidRequest, renamed.error);
      return renamed.edit;
    });
    this.request('completion', c.onCompletion, (p) => s.completion(p.textDocument.uri, p.position), { isIncomplete: false, items: [] });
    this.request('documentSymbol', c.onDocumentSymbol, (p) => s.documentSymbols(p.textDocument.uri), []);
    this.request('foldingRange', c.onFoldingRanges, (p) => s.foldingRanges(p.textDocument.uri), []);
    this.request('selectionRange', c.onSelectionRanges, (p) => s.selectionRanges(p.textDocument.uri, p.positions), []);
    this.request('formatting', c.onDocumentFormatting, (p) => s.format(p.textDocument.uri), []);
    this.request('rangeFormatting', c.onDocumentRangeFormatting, (p) => s.format(p.textDocument.uri, p.range), []);
    this.request('semanticTokens', c.languages.semanticTokens.on.bind(c.languages.semanticTokens), (p) => s.semanticTokens(p.textDocument.uri), { data: [] });
    this.request('inlayHint', c.languages.inlayHint.on.bind(c.languages.inlayHint), (p) => s.inlayHints(p.textDocument.uri, p.range), []);
    this.request('codeAction', c.onCodeAction, (p) => s.codeActions(p.textDocument.uri, p.range), []);

    c.onRequest(DRAW_REQUEST, async (p: DrawParams) => this.draw(p));
    c.onRequest(STATS_REQUEST, (p: { uri: string }) => this.stats(p.uri));

    this.documents.listen(c);
    c.listen();
  }

  /** Registers a request handler that answers `none` (and logs) instead of failing on an unexpected error. */
  private request<P, R>(name: string, on: (handler: (params: P) => R) => unknown, handler: (params: P) => R, none: R): void {
    on((params) => this.guard(name, () => handler(params)) ?? none);
  }

  private guard<T>(what: string, run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      this.connection.console.error(`nasfpn lsp: ${what} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      return undefined;
    }
  }

  private changed(document: TextDocument, opened: boolean): void {
    this.guard(opened ? 'open' : 'change', () => {
      if (opened) this.service.open(document.uri, document.getText(), document.version);
      else this.service.update(document.uri, document.getText(), document.version);
      this.schedule(this.service.affectedBy(document.uri));
    });
  }

  private schedule(uris: string[]): void {
    for (const uri of uris) this.pending.add(uri);
    if (this.scheduled !== null) {
      if (this.delayMs === 0) return;
      clearTimeout(this.scheduled as ReturnType<typeof setTimeout>);
    }
    this.scheduled = this.delayMs > 0 ? setTimeout(() => this.publish(), this.delayMs) : setImmediate(() => this.publish());
  }

  /** Checks the pending documents and publishes their diagnostics. */
  private publish(): void {
    this.scheduled = null;
    const uris = [...this.pending];
    this.pending.clear();
    for (const uri of uris) {
      const document = this.documents.get(uri);
      if (!document) continue;
      // A check that fails (a bug, logged) clears the document's diagnostics rather than leave stale ones.
      const diagnostics = this.guard(`check ${uri}`, () => this.service.diagnostics(uri)) ?? [];
      this.connection.sendDiagnostics({ uri, version: document.version, diagnostics });
    }
    this.guard('imported diagnostics', () => {
      const imported = this.service.importedDiagnostics();
      for (const uri of this.importedPublished) if (!imported.has(uri)) this.connection.sendDiagnostics({ uri, diagnostics: [] });
      for (const [uri, diagnostics] of imported) this.connection.sendDiagnostics({ uri, diagnostics });
      this.importedPublished = new Set(imported.keys());
    });
  }

  /** The document's declarations of a kind that checked without errors (the others may still have some). */
  private checked<K extends CheckedDeclaration['kind']>(uri: string, kind: K) {
    return this.service.declarations(uri).flatMap((d) => (d.kind === kind && d.ir ? [d as Extract<CheckedDeclaration, { kind: K }>] : []));
  }

  private async draw(params: DrawParams): Promise<{ name: string; svg: string }> {
    const pyramids = this.checked(params.uri, 'pyramid').map((d) => d.ir!);
    const detectors = this.checked(params.uri, 'detector').map((d) => d.ir!);
    const pyramid = params.name === undefined
      ? pyramids[0] ?? detectors[0]?.pyramid
      : pyramids.find((p) => p.name === params.name) ?? detectors.find((d) => d.name === params.name)?.pyramid;
    if (!pyramid) {
      throw new ResponseError(ErrorCodes.InvalidRequest, params.name === undefined
        ? 'the document has no pyramid or detector without errors to draw'
        : `no pyramid or detector named '${params.name}' without errors`);
    }
    // The graph view only (no elkjs): loaded on the first drawing.
    const { renderGraph } = await import('../viz/graph.js');
    return { name: pyramid.name, svg: renderGraph(pyramid, { theme: params.theme === 'dark' ? 'dark' : 'light' }) };
  }

  private stats(uri: string) {
    return {
      detectors: this.checked(uri, 'detector').map(({ ir: d }) => {
        const { counts } = detectorCosts(d!);
        return { ...counts, params: counts.trainable + counts.nonTrainable };
      }),
    };
  }
}
