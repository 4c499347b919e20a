// What the language service needs from where it runs: the files that are not open in the editor (and how
// their paths combine), how editor URIs name files, and which files make up the workspace. The CLI and the
// language server pass a host on the file system (src/lsp/node-host.ts); a browser passes one over a map.
import type { SourceHost } from '../semantics/program.js';

export interface ServiceHost extends SourceHost {
  /** The URI an editor names a file by; default: a file: URI of the POSIX path. */
  uriOf?(path: string): string;
  /** The path a URI names, or null when it names no file (an unsaved buffer); default: the path of a file: URI. */
  pathOf?(uri: string): string | null;
  /** Every .fpn file of the workspace, for references and rename across files that are not open; default: none. */
  workspaceFiles?(): string[];
}

const FILE_SCHEME = 'file://';

/** `/a b/c.fpn` → `file:///a%20b/c.fpn`. */
export const posixFileUri = (path: string): string => FILE_SCHEME + path.split('/').map(encodeURIComponent).join('/');

/** `file:///a%20b/c.fpn` → `/a b/c.fpn`; null for another scheme. */
export function posixPathOfUri(uri: string): string | null {
  if (!uri.startsWith(FILE_SCHEME)) return null;
  const rest = uri.slice(FILE_SCHEME.length);
  const path = rest.startsWith('/') ? rest : rest.slice(rest.indexOf('/'));
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}
