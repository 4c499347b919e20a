// The .fpn language service: everything an editor asks about a .fpn file, answered from the checker's own
// results. `nasfpn check`, the language server (`nasfpn lsp`, src/lsp/) and a browser playground use it alike.
// It imports no Node module and nothing heavy (no TF.js, elkjs, resvg, sharp): files come from a host.
//
// API
//
//   const service = new LanguageService(host);          // host: ServiceHost (./host.ts); default: no files
//
//   Documents (named by URI; `file:` URIs map to paths through the host, other schemes get /untitled/ paths):
//     service.open(uri, text, version?)   service.update(uri, text, version)   service.close(uri)
//     service.fileChanged(uri)            // a file on disk changed: checks that read it are dropped
//     service.affectedBy(uri) → uri[]     // the open documents to check again after that file changed
//
//   Checking (one code path: the checker of src/semantics, each document the root of its imports):
//     service.check(path) → CheckResult   // what `nasfpn check` prints (1-based line:column ranges)
//     service.diagnostics(uri) → Diagnostic[]            // the same diagnostics, as the editor protocol has them
//     service.importedDiagnostics() → Map<uri, Diagnostic[]>   // errors the open documents' imports report
//     service.program(uri) → CheckedProgram | null        // the checked IR, for drawing and counting
//
//   Features (positions and ranges as the editor protocol has them: 0-based line, UTF-16 character; results are
//   the protocol's types from vscode-languageserver-types):
//     hover(uri, pos)                 definition(uri, pos)            references(uri, pos, includeDeclaration)
//     prepareRename(uri, pos)         rename(uri, pos, newName) → { edit } | { error }
//     completion(uri, pos)            documentSymbols(uri)            foldingRanges(uri)
//     selectionRanges(uri, positions) format(uri, range?)             semanticTokens(uri)  (legend: SEMANTIC_TOKENS_LEGEND)
//     inlayHints(uri, range)          codeActions(uri, range)         // quick fixes: the checker's hints as edits
//
// Positions are converted in one place (./positions.ts): the checker's ranges count from 1, the protocol's from 0,
// columns are UTF-16 code units in both.
export { LanguageService } from './service.js';
export type { ServiceHost } from './host.js';
export { posixFileUri, posixPathOfUri } from './host.js';
export { SEMANTIC_TOKENS_LEGEND } from './semantic-tokens.js';
export { DIAGNOSTIC_SOURCE } from './diagnostics.js';
export { LineIndex, toRange } from './positions.js';
export type { RenameResult } from './navigation.js';
export { detectorCosts, type DetectorCosts } from './stats.js';
