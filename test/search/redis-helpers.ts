// A real redis-server for the tests, on a free localhost port (the tests start and stop their own).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** redis-server as /work/shared/stack.md starts it, with the append-only file on so jobs survive a restart. */
export function startRedis(port: number, dir: string): void {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir,
    '--daemonize', 'yes', '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log')];
  const run = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`redis-server failed: ${run.stderr}`);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
    spawnSync('sleep', ['0.05']);
  }
  throw new Error('redis-server did not answer');
}

export function stopRedis(port: number): void {
  spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
}
