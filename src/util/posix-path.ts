// Path rules for files that are not on a disk (an editor's in-memory workspace, a browser, tests): POSIX
// paths with "/" as the working folder. The checker takes its path rules from its host, so it imports no
// Node module; on disk the host passes Node's own `path`, which has the same two functions.

/** The two path operations the checker needs (Node's `path` module is one). */
export interface PathRules {
  /** The absolute path of the last argument, read from the ones before it (as `path.resolve`). */
  resolve(...paths: string[]): string;
  /** The folder of a path (as `path.dirname`). */
  dirname(path: string): string;
}

function normalize(segments: string[]): string {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

export const posixPaths: PathRules = {
  resolve(...paths) {
    let start = 0;
    for (let i = paths.length - 1; i >= 0; i--) {
      if (paths[i].startsWith('/')) {
        start = i;
        break;
      }
    }
    return normalize(paths.slice(start).flatMap((p) => p.split('/')));
  },
  dirname(path) {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const slash = trimmed.lastIndexOf('/');
    if (slash < 0) return '.';
    return slash === 0 ? '/' : trimmed.slice(0, slash);
  },
};
