// `nasfpn worker --queue redis://HOST:PORT`: takes trials of any search from a BullMQ queue and runs their
// rewards here, until Ctrl-C. `nasfpn worker --ipc` is the local pool's child process (started by `nasfpn
// search`, talking over Node's IPC channel); it is not meant to be run by hand.
import type { Command } from 'commander';
import type { FromWorker, ToWorker } from '../search/pool.js';
import { DEFAULT_QUEUE_NAME, isRedisUrl } from '../search/queue-address.js';
import { assertNever } from '../util/assert-never.js';
import { UsageError } from './errors.js';
import { terminalLine } from '../util/escape.js';

interface WorkerOptions {
  queue?: string;
  queueName: string;
  concurrency: string;
  lockMs: string;
  ipc?: boolean;
  backend?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run search trials from a Redis queue (the machines of a `nasfpn search --queue` run)')
    .option('--queue <url>', 'the Redis of the search: redis://HOST:PORT')
    .option('--queue-name <name>', 'the BullMQ queue', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'trials at once in this process', '1')
    .option('--lock-ms <ms>', 'how long a trial stays locked without a heartbeat: a dead worker\'s trial goes to another worker after about this', '30000')
    .option('--backend <name>', 'TF.js backend of the rewards that train (the proxy task): auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu (default: the fastest available)')
    .option('--ipc', 'be a local pool worker of `nasfpn search` (internal)')
    .action(async (options: WorkerOptions) => {
      if (options.ipc) return ipcWorker(options.backend);
      // Chosen now (and printed), so the first trial does not pay for it and a bad name fails at once.
      if (options.backend !== undefined) await chooseBackend(options.backend);
      if (!options.queue || !isRedisUrl(options.queue)) throw new UsageError('--queue takes redis://HOST:PORT');
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

/** Chooses the TF.js backend of this worker's rewards; the choice is printed on stderr unless `quiet`. */
async function chooseBackend(requested: string, quiet = false): Promise<string> {
  const { initBackend } = await import('../runtime/backend.js');
  const log = quiet ? () => {} : (line: string) => process.stderr.write(`nasfpn worker ${process.pid}: ${terminalLine(line)}\n`);
  const choice = await initBackend(requested, { log });
  return choice.name;
}

/** A local pool worker; with `backend` (the search passes it when its reward trains) it is chosen before `ready`, which names it. */
async function ipcWorker(backend: string | undefined): Promise<void> {
  if (!process.send) throw new UsageError('--ipc is for the worker processes `nasfpn search` starts');
  // The search checked the name; should the backend still fail here, the reward picks the fastest one itself
  // (exiting instead would have the pool start this worker again and again).
  const chosen = backend !== undefined ? await chooseBackend(backend, true).catch(() => null) : null;
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
          assertNever(message, 'worker message');
      }
    });
    process.on('disconnect', () => {
      abort.abort();
      resolve();
    });
    send({ type: 'ready', pid: process.pid, backend: chosen });
  });
  process.disconnect?.();
}
