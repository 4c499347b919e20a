// `nasfpn search watch RUN` and `nasfpn search report RUN -o DIR`: the search's terminal UI on a run that
// another process runs, and the report that turns a run directory into the paper's Figure 5 and 7. Glue only:
// the UI and the report live in src/tui (imported lazily: ink and React load only when a terminal shows them).
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../runtime/atomic.js';
import { InputError, UsageError } from './errors.js';
import { parseScale } from './options.js';
import { displayPath } from './report.js';
import { DEFAULT_QUEUE_NAME, isRedisUrl } from '../search/queue-address.js';
import type { RunConfig, TrialRecord } from '../search/records.js';
import { terminalLine } from '../util/escape.js';

/** The `search` command: the engine's when it is registered first, else a bare parent for these subcommands. */
export function searchCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'search')
    ?? program.command('search').description('architecture search: watch a run, report on it');
}

/** `keys` of `command`'s options, each from its parent where only the parent was given it on the command line. */
function givenAnywhere<T>(command: Command, keys: readonly (keyof T & string)[]): T {
  const own = command.opts<Record<string, unknown>>();
  const parent = command.parent;
  const pick = (key: string) => (command.getOptionValueSource(key) !== 'cli' && parent?.getOptionValueSource(key) === 'cli' ? parent.opts()[key] : own[key]);
  return Object.fromEntries(keys.map((key) => [key, pick(key)])) as T;
}

interface WatchOptions {
  queue?: string;
  queueName: string;
}

/**
 * `search watch redis://…`: the events of the search that started last on the queue, from the Redis stream the
 * search publishes (src/search/event-stream.ts): replayed from the start, then followed. The architecture views
 * draw from the trial records the stream carries, so no run directory is needed on this machine.
 */
async function watchQueue(url: string, queueName: string): Promise<void> {
  if (!isRedisUrl(url)) throw new UsageError(`--queue takes redis://HOST:PORT, not '${url}'`);
  const { EventStreamError, followRedisEvents, pingRedis } = await import('../search/event-stream.js');
  try {
    await pingRedis(url);
  } catch (error) {
    if (error instanceof EventStreamError) throw new InputError(error.message);
    throw error;
  }
  const records = new Map<number, TrialRecord>();
  let config: RunConfig | null = null;
  const stop = new AbortController();
  const interactive = process.stdout.isTTY === true;
  const events = followRedisEvents({
    url, queueName, signal: stop.signal, untilFinished: !interactive,
    // On a terminal the dashboard says STARTING instead (a line on stderr would land in the middle of it).
    onWaiting: interactive ? undefined : () => process.stderr.write(`nasfpn search watch: no search has started on queue ${terminalLine(queueName)} at ${terminalLine(url)} yet; waiting for one\n`),
    onTrial: (record) => records.set(record.id, record),
    onConfig: (c) => (config = c),
  });
  try {
    if (!interactive) {
      for await (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const [{ runSearchUi }, { exportTrialRecord }, { searchSpaceOfConfig }] = await Promise.all([
      import('../tui/index.js'), import('../tui/export-best.js'), import('../tui/architectures.js'),
    ]);
    await runSearchUi(events, null, {
      loadTrial: (id) => records.get(id) ?? null,
      exportBest: async (best) => {
        const record = records.get(best.trial);
        if (!record) throw new Error(`trial ${best.trial}'s record did not come with the queue's events`);
        return exportTrialRecord(record, config ? searchSpaceOfConfig(config) : null, config?.reward ?? null, '.');
      },
    });
  } catch (error) {
    if (error instanceof EventStreamError) throw new InputError(error.message);
    throw error;
  } finally {
    stop.abort();
  }
}

interface ReportOptions {
  output?: string;
  png?: boolean;
  scale: string;
  top: string;
}

export function registerSearchUi(program: Command): void {
  const search = searchCommand(program);
  search
    .command('watch')
    .description('show a running search\'s terminal UI, read-only, from its run directory or its Redis queue (JSON lines when not on a terminal)')
    .argument('[run]', 'the run directory (nasfpn search --run), or the queue\'s Redis as redis://HOST:PORT')
    .option('--queue <url>', 'follow the search on this Redis queue (as `nasfpn search --queue` names it) instead of a run directory')
    .option('--queue-name <name>', 'the BullMQ queue of the search', DEFAULT_QUEUE_NAME)
    .action(async (run: string | undefined, _options: WatchOptions, command: Command) => {
      // `nasfpn search` itself takes --queue and --queue-name too. Options after `watch` are watch's own and those
      // before it `search`'s (positional options, cli/main.ts): a value given on the command line wins wherever it stands.
      const options = givenAnywhere<WatchOptions>(command, ['queue', 'queueName']);
      if (run !== undefined && options.queue !== undefined) throw new UsageError('give the run directory or --queue URL, not both');
      const url = options.queue ?? (run !== undefined && isRedisUrl(run) ? run : undefined);
      if (url !== undefined) return watchQueue(url, options.queueName);
      if (run === undefined) throw new UsageError('give the run directory to watch, or the search\'s queue as redis://HOST:PORT');
      const { isRunDir, tailEvents } = await import('../search/store.js');
      if (!isRunDir(run)) throw new InputError(`${displayPath(run)} is not a search run directory (no config.json or events.jsonl)`);
      const stop = new AbortController();
      if (process.stdout.isTTY !== true) {
        // No terminal: the events as JSON lines, as `nasfpn search` prints them, until the search ends.
        for await (const event of tailEvents(run, { signal: stop.signal, untilFinished: true })) process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      const { runSearchUi } = await import('../tui/index.js');
      try {
        await runSearchUi(tailEvents(run, { signal: stop.signal }), null, { run: resolve(run) });
      } finally {
        stop.abort();
      }
    });

  search
    .command('report')
    .description('the search as the paper\'s figures: Figure 5 plots, reward against FLOPs and params, Figure 7 snapshots, and an offline index.html')
    .argument('<run>', 'the run directory')
    .option('-o, --output <dir>', 'the directory to write (replaced as a whole)')
    .option('--png', 'also write each plot as PNG (rendered with resvg)')
    .option('--scale <factor>', 'PNG pixels per SVG unit', '2')
    .option('--top <k>', 'rows of the top-k table', '10')
    .action(async (run: string, options: ReportOptions) => {
      if (!options.output) throw new UsageError('search report needs -o DIR, the directory to write');
      const scale = parseScale(options.scale);
      const top = Number(options.top);
      if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive whole number, not '${options.top}'`);
      const { isRunDir, RunDirectoryError } = await import('../search/store.js');
      if (!isRunDir(run)) throw new InputError(`${displayPath(run)} is not a search run directory (no config.json or events.jsonl)`);
      const { buildReport } = await import('../tui/report.js');
      let report;
      try {
        report = buildReport(run, { top, warn: (message) => process.stderr.write(`nasfpn search report: warning: ${terminalLine(message)}\n`) });
      } catch (error) {
        if (error instanceof RunDirectoryError) throw new InputError(error.message);
        throw error;
      }
      const files = [...report.plots, ...report.snapshots, ...report.changes];
      const pngs = new Map<string, Uint8Array>();
      if (options.png) {
        const { renderPng } = await import('../viz/png.js');
        for (const file of files) pngs.set(file.name.replace(/\.svg$/, '.png'), await renderPng(file.svg, scale));
      }
      const output = options.output;
      await writeDirAtomic(output, (dir) => {
        for (const file of files) writeFileAtomic(join(dir, file.name), file.svg);
        for (const [name, data] of pngs) writeFileAtomic(join(dir, name), data);
        writeFileAtomic(join(dir, 'index.html'), report.html);
      });
      for (const file of files) process.stdout.write(`wrote ${displayPath(join(output, file.name))}: ${file.caption}\n`);
      process.stdout.write(`wrote ${displayPath(join(output, 'index.html'))}: ${report.plots.length} plots, ${report.snapshots.length} snapshots of the best architecture and ${report.changes.length} drawings of what changed between them, the top ${top}${pngs.size ? ` (and ${pngs.size} PNG files)` : ''}\n`);
      if (report.earlyStopping) {
        const { formatEarlyStopping } = await import('../search/early-stopping.js');
        process.stdout.write(`${formatEarlyStopping(report.earlyStopping)}\n`);
      }
    });
}
