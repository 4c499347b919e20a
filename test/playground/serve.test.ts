// `nasfpn playground` through the built CLI, as a user runs it: it serves the page `npm run build` made
// (dist/playground/) with the page's Content-Security-Policy as a header, only the build's files, GET and HEAD
// only; bad options and a taken port are messages with exit codes, and Ctrl-C (SIGINT) or SIGTERM stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLAYGROUND_CSP } from '../../src/playground/server.js';
import { ensureBundle, expectNoStackTrace, nasfpn } from '../helpers/cli.js';

beforeAll(ensureBundle, 180_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request (the path exactly as given: no client-side `..` folding). */
function ask(url: string, path: string, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `nasfpn playground ARGS` running; resolves with the URL it prints. */
function startPlayground(...args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['bin/nasfpn.js', 'playground', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const url = /(http:\/\/\S+\/)/.exec(stdout)?.[1];
      if (url) resolve({ child, url, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`nasfpn playground exited with ${code}: ${stderr}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('nasfpn playground', () => {
  let served: Awaited<ReturnType<typeof startPlayground>>;
  beforeAll(async () => {
    served = await startPlayground('--port', '0');
  }, 60_000);
  afterAll(() => {
    served?.child.kill('SIGKILL');
  });

  test('serves the page on localhost, with its CSP as a header too', async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await ask(served.url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(PLAYGROUND_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toBe(readFileSync('dist/playground/index.html', 'utf8'));
    // The meta tag holds the same policy, less what only a header can say.
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page.body)![1];
    expect(meta).toBe(PLAYGROUND_CSP.replace(/; frame-ancestors 'none'$/, ''));
    expect(PLAYGROUND_CSP).not.toContain('unsafe');

    const script = await ask(served.url, '/playground.js?v=1');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body.length).toBeGreaterThan(100_000);
  });

  test('only the build\'s files, only GET and HEAD', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/chunks/../../package.json', '/src/playground/page.ts', '/nope']) {
      const answer = await ask(served.url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).toBe('not found\n');
    }
    const posted = await ask(served.url, '/', 'POST');
    expect(posted.status).toBe(405);
    expect(posted.headers.allow).toBe('GET, HEAD');
    const head = await ask(served.url, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  test('SIGTERM stops it cleanly', async () => {
    const { child } = await startPlayground('--port', '0');
    const code = exited(child);
    child.kill('SIGTERM');
    expect(await code).toBe(0);
  }, 60_000);

  test('a taken port, a bad port or a folder without a build: a message and an exit code', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = String((blocker.address() as { port: number }).port);
    const taken = nasfpn('playground', '--port', port);
    blocker.close();
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(`nasfpn: port ${port} on 127.0.0.1 is in use; pick another with --port (0 picks a free one)\n`);

    const bad = nasfpn('playground', '--port', '70000');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--port must be an integer from 0 to 65535, not '70000'");

    const empty = nasfpn('playground', '--dir', 'examples');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('examples holds no built playground (no index.html)');
    for (const run of [taken, bad, empty]) expectNoStackTrace(run);
  }, 60_000);
});
