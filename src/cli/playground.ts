// `nasfpn playground [--port N] [--host H] [--dir DIR]`: serves the browser playground (the page `npm run build`
// puts in dist/playground/) on localhost until interrupted. The page runs the checker, the drawers and the
// counters itself; the server only hands out its files (src/playground/server.ts, loaded when this runs).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from './errors.js';
import { displayPath } from './report.js';

const DEFAULT_PORT = 8080;
const HIGHEST_PORT = 65535;

interface PlaygroundOptions {
  port: string;
  host: string;
  dir?: string;
}

export function registerPlayground(program: Command): void {
  program
    .command('playground')
    .description('serve the browser playground: edit .fpn with live diagnostics, Figure 7, cells, stack, stats and diff views')
    .option('-p, --port <port>', `port to listen on (0: any free port)`, String(DEFAULT_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--dir <dir>', 'serve this built playground instead of the one beside the CLI (npm run build:playground DIR)')
    .action(async (options: PlaygroundOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > HIGHEST_PORT) throw new UsageError(`--port must be an integer from 0 to ${HIGHEST_PORT}, not '${options.port}'`);
      const dir = options.dir !== undefined ? resolve(options.dir) : builtPlayground();
      if (!existsSync(join(dir, 'index.html'))) {
        throw new InputError(options.dir !== undefined
          ? `${displayPath(dir)} holds no built playground (no index.html); build one with \`npm run build:playground ${options.dir}\``
          : 'the playground is not built yet; run `npm run build` (or `npm run build:playground`) in the nasfpn folder');
      }
      const { readPlayground, servePlayground } = await import('../playground/server.js');
      let server;
      try {
        server = await servePlayground(readPlayground(dir), options.host, port);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new InputError(`port ${port} on ${options.host} is in use; pick another with --port (0 picks a free one)`);
        if (code === 'EACCES') throw new InputError(`not allowed to listen on port ${port}; pick one above 1023 with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new InputError(`cannot listen on ${options.host}: no such local address`);
        throw error;
      }
      // The signal handlers go in before the URL is printed: whoever reads the URL may stop the server at once,
      // and a SIGTERM that came before them would kill the process without closing it.
      const stopped = new Promise<void>((stop) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          void server.close().then(stop);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      process.stdout.write(`nasfpn playground: ${server.url}  (serving ${displayPath(dir)}; Ctrl-C stops)\n`);
      await stopped;
    });
}

/** dist/playground/ of this package: found from this file, in src/cli/ or bundled under dist/. */
function builtPlayground(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'playground');
}
