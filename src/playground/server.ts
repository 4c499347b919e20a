// `nasfpn playground`'s web server: the built page (scripts/playground-build.mjs) as static files on localhost.
// Only the files of the build are served (read once at start; no path from a request ever reaches the file
// system), with the page's Content-Security-Policy as a header as well (a header can also forbid framing),
// and nothing else: no API, no uploads. The page needs nothing from a server, so any static host does too.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

/**
 * Scripts and styles from this site only (no inline script, no eval), nothing fetched, no plugins, no framing.
 * The page's meta tag carries the same policy but frame-ancestors, which only a header can.
 */
export const PLAYGROUND_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const HEADERS = {
  'Content-Security-Policy': PLAYGROUND_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // A rebuilt playground shows at the next reload.
  'Cache-Control': 'no-cache',
};

interface StaticFile {
  type: string;
  body: Buffer;
}

/** The build's files by URL path (`/`, `/playground.js`, `/chunks/…`); none that the page does not need. */
export function readPlayground(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && CONTENT_TYPES[extname(entry.name)]) files.set(`/${path}`, { type: CONTENT_TYPES[extname(entry.name)], body: readFileSync(join(dir, path)) });
    }
  };
  walk('');
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

export interface PlaygroundServer {
  /** `http://127.0.0.1:8080/` */
  url: string;
  close(): Promise<void>;
}

/** Serves `files` on `host:port` (port 0: any free port); rejects with the listen error (EADDRINUSE, EACCES). */
export function servePlayground(files: Map<string, StaticFile>, host: string, port: number): Promise<PlaygroundServer> {
  const server = createServer((request, response) => answer(files, request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${bound}/`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function answer(files: Map<string, StaticFile>, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD', 'Content-Type': CONTENT_TYPES['.txt'] }).end('method not allowed\n');
    return;
  }
  // The path only (a query string changes nothing); the fragment, which holds the design, never reaches a server.
  const path = (request.url ?? '/').split('?')[0];
  const file = files.get(path);
  if (!file) {
    response.writeHead(404, { ...HEADERS, 'Content-Type': CONTENT_TYPES['.txt'] }).end('not found\n');
    return;
  }
  response.writeHead(200, { ...HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length });
  response.end(request.method === 'HEAD' ? undefined : file.body);
}
