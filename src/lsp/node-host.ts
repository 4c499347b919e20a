// The language service's host on the file system: files read from disk (as `nasfpn check` reads them),
// file: URIs, and the .fpn files under the editor's workspace folders (for references and rename across
// files that are not open), listed once and again after a file is created or deleted.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fileHost } from '../semantics/file-host.js';
import type { ServiceHost } from '../service/index.js';

/** Folders a workspace scan never enters (dependencies, build output, version control). */
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'out', 'runs', 'data']);
/** At most this many files are listed: a home folder opened as a workspace must not stall the server. */
const MAX_WORKSPACE_FILES = 5000;

export class NodeHost implements ServiceHost {
  readonly paths = path;
  private listed: string[] | null = null;

  constructor(private roots: string[] = []) {}

  readFile(file: string): string | null {
    return fileHost.readFile(file);
  }

  uriOf(file: string): string {
    return pathToFileURL(file).href;
  }

  pathOf(uri: string): string | null {
    if (!uri.startsWith('file:')) return null;
    try {
      return fileURLToPath(uri);
    } catch {
      return null;
    }
  }

  setRoots(roots: string[]): void {
    this.roots = roots;
    this.listed = null;
  }

  /** Files were created or deleted: list again on the next request. */
  filesChanged(): void {
    this.listed = null;
  }

  workspaceFiles(): string[] {
    if (!this.listed) {
      const found: string[] = [];
      const walk = (dir: string) => {
        if (found.length >= MAX_WORKSPACE_FILES) return;
        let entries;
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          if (entry.isDirectory() && !SKIPPED.has(entry.name) && !entry.name.startsWith('.')) walk(path.join(dir, entry.name));
          else if (entry.isFile() && entry.name.endsWith('.fpn') && found.length < MAX_WORKSPACE_FILES) found.push(path.join(dir, entry.name));
        }
      };
      for (const root of this.roots) walk(root);
      this.listed = found;
    }
    return this.listed;
  }
}
