// `nasfpn worker --queue redis://HOST:PORT`: takes trials of any search from a BullMQ queue and runs their
// rewards here, until Ctrl-C. `nasfpn worker --ipc` is the local pool's child process (started by `nasfpn
// search`, talking over Node's IPC channel); it is not meant to be run by hand.
import type { Command } from 'commander';
import type { FromWorker, ToWorker } from '../search/pool.js';
import { DEFAULT_QUEUE_NAME } from '../search/queue.js';
import { UsageError } from './errors.js';

interface WorkerOptions {
  queue?: string;
  queueName: string;
  concurrency: string;
  lockMs: string;
  ipc?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run search trials from a Redis queue (the machines of a `nasfpn search --queue` run)')
    .option('--queue <url>', 'the Redis of the search: redis://HOST:PORT')
    .option('--queue-name <name>', 'the BullMQ queue', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'trials at once in this process', '1')
    .option('--lock-ms <ms>', 'how long a trial stays locked without a heartbeat: a dead worker\'s trial goes to another worker after about this', '30000')
    .option('--ipc', 'be a local pool worker of `nasfpn search` (internal)')
    .action(async (options: WorkerOptions) => {
      if (options.ipc) return ipcWorker();
      if (!options.queue || !/^rediss?:\/\//.test(options.queue)) throw new UsageError('--queue takes redis://HOST:PORT');
      const concurrency = Number(options.concurrency);
      const lockMs = Number(options.lockMs);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a whole number ≥ 1');
      if (!Number.isInteger(lockMs) || lockMs < 500) throw new UsageError('--lock-ms must be a whole number ≥ 500');
      const { runQueueWorker } = await import('../search/queue.js');
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await runQueueWorker({
        url: options.queue, queueName: options.queueName, concurrency, lockMs, signal: abort.signal,
        log: (line) => process.stderr.write(line + '\n'),
      });
    });
}

async function ipcWorker(): Promise<void> {
  if (!process.send) throw new UsageError('--ipc is for the worker processes `nasfpn search` starts');
  const { runTrial } = await import('../search/trial-runner.js');
  const send = (message: FromWorker) => process.send!(message);
  const abort = new AbortController();
  await new Promise<void>((resolve) => {
    process.on('message', (message: ToWorker) => {
      switch (message.type) {
        case 'run': {
          const { job } = message;
          void runTrial(job, (fraction, metrics) => send({ type: 'progress', id: job.id, fraction, metrics }), abort.signal)
            .then((outcome) => send({ type: 'done', id: job.id, outcome }));
          break;
        }
        case 'stop':
          abort.abort();
          resolve();
          break;
        default:
          assertNever(message);
      }
    });
    process.on('disconnect', () => {
      abort.abort();
      resolve();
    });
    send({ type: 'ready', pid: process.pid, backend: null });
  });
  process.disconnect?.();
}

function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}
