// The search's terminal UI (ink): Figure 5's two charts, the top-k table, the running trials, the best
// architecture as a Figure 7 grid, the controller's entropy and baseline, throughput and ETA. Every number
// comes from the pure state (state.ts); this file only lays it out and turns keys into controls.
//
// Raw mode (key input) is only asked for when the terminal supports it: on a pipe or in CI ink's
// `isRawModeSupported` is false or undefined, and turning input on there throws.
import { Box, Spacer, Text, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import type { BestSoFar } from '../search/events.js';
import type { TrialRecord } from '../search/records.js';
import type { PyramidIR } from '../semantics/ir.js';
import { brailleChart, formatCount, formatDuration, progressBar, sparkline, type ChartRow } from './chart.js';
import { pyramidGrid } from './grid.js';
import { terminalLine } from '../util/escape.js';
import { curveOf, runningTrials, throughput, topTrials, trialsDone, type SearchState } from './state.js';
import type { ThrottledStore } from './store.js';

/** What the keys steer in a live search; `search watch` has none (read-only). */
export interface SearchUiControls {
  /** Stop proposing new trials (running ones finish), and start again. */
  pause(): void | Promise<void>;
  resume(): void | Promise<void>;
  /** Save the state and stop the workers; the search then ends with search.finished (reason 'stopped'). */
  quit(): void | Promise<void>;
}

export interface SearchAppProps {
  store: ThrottledStore;
  controls: SearchUiControls | null;
  /** A trial's record (for its architecture), or null when it cannot be read. */
  loadTrial: (id: number) => TrialRecord | null;
  /** The trial's pyramid from its .fpn text; null when it does not check. */
  parsePyramid: (fpn: string) => PyramidIR | null;
  /** Writes the best architecture as .fpn and says where. */
  exportBest: (best: BestSoFar) => Promise<string>;
  /** The user quit a read-only view, or a stopped search's UI may close. */
  onExit: () => void;
}

/** ANSI: erase the screen and put the cursor at its top-left corner. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';
/** Top-k rows shown when the terminal is tall enough. */
const TOP_K = 10;
const COLORS = { reward: 'cyan', best: 'yellow', total: 'gray', unique: 'green', title: 'magenta' } as const;

export function SearchApp(props: SearchAppProps): ReactElement {
  const state = useSyncExternalStore(props.store.subscribe, props.store.getSnapshot);
  const { columns, rows } = useTerminalSize();
  const { isRawModeSupported } = useStdin();
  const [selected, setSelected] = useState(0);
  const [detail, setDetail] = useState<number | null>(null);
  const [help, setHelp] = useState(false);
  const [paused, setPaused] = useState(false);
  // Keys can come faster than renders: the handler reads the latest pause state from here.
  const pausedRef = useRef(false);
  const [message, setMessage] = useState<string | null>(null);
  const [quitting, setQuitting] = useState(false);

  const layout = layoutFor(rows);
  // Recomputed only when a trial finishes (progress reports do not change `finished`).
  const top = useMemo(() => topTrials(state, layout.topRows), [state.finished, layout.topRows]);
  const selectedTrial = top[Math.min(selected, top.length - 1)]?.trial;

  useInput(
    (input, key) => {
      if (input === '?') return setHelp((h) => !h);
      if (key.escape) {
        setHelp(false);
        return setDetail(null);
      }
      // Raw mode swallows the terminal's SIGINT, so Ctrl-C arrives here as a key: it quits as q does.
      if (input === 'q' || (key.ctrl && input === 'c')) {
        if (!props.controls || state.phase === 'finished') return props.onExit();
        if (quitting) return;
        setQuitting(true);
        setMessage('stopping: saving the state and stopping the workers…');
        return void Promise.resolve(props.controls.quit()).catch((error: Error) => setMessage(`quit failed: ${error.message}`));
      }
      if (input === 'p') {
        if (!props.controls) return setMessage('read-only: this view watches a search that another process runs');
        const next = !pausedRef.current;
        pausedRef.current = next;
        setPaused(next);
        setMessage(next ? 'proposals paused (running trials finish); p resumes' : 'proposals resumed');
        return void Promise.resolve(next ? props.controls.pause() : props.controls.resume()).catch((error: Error) => setMessage(`${next ? 'pause' : 'resume'} failed: ${error.message}`));
      }
      if (input === 'e') {
        if (!state.best) return setMessage('no trial has finished yet: nothing to export');
        props.exportBest(state.best).then((path) => setMessage(`exported trial ${state.best!.trial} to ${path}`), (error: Error) => setMessage(`export failed: ${error.message}`));
        return;
      }
      if (key.upArrow) return setSelected((i) => Math.max(0, i - 1));
      if (key.downArrow) return setSelected((i) => Math.min(Math.max(0, top.length - 1), i + 1));
      if (key.return) return setDetail((d) => (d === null && selectedTrial !== undefined ? selectedTrial : null));
    },
    { isActive: isRawModeSupported === true },
  );

  // After q, the UI closes once the engine reports the search stopped.
  useEffect(() => {
    if (quitting && state.phase === 'finished') props.onExit();
  }, [quitting, state.phase]);

  const width = Math.max(20, columns - 1);
  // The frame fills the screen but one line, so every resize changes it and ink writes it out whole (the
  // screen was cleared for it); a frame as tall as the terminal would make ink clear it on every update.
  return (
    <Box flexDirection="column" width={width} height={Math.max(10, rows - 1)} overflow="hidden">
      <Header state={state} paused={paused} readOnly={!props.controls} />
      {help ? (
        <Help readOnly={!props.controls} />
      ) : detail !== null ? (
        <TrialDetail state={state} trial={detail} width={width} height={layout.body} loadTrial={props.loadTrial} parsePyramid={props.parsePyramid} />
      ) : (
        <Dashboard state={state} width={width} layout={layout} top={top} selectedTrial={selectedTrial} loadTrial={props.loadTrial} parsePyramid={props.parsePyramid} />
      )}
      <Spacer />
      <Footer message={message} readOnly={!props.controls} />
    </Box>
  );
}

// ---------------------------------------------------------------------------------------------------
// Layout: what fits in the terminal. The frame is kept shorter than the terminal, because a frame as tall
// as the screen makes ink clear and redraw everything on each update (the flicker this avoids).

interface Layout {
  /** Lines between the header and the footer. */
  body: number;
  chartRows: number;
  topRows: number;
  /** Lines for the best architecture and the controller (0: not shown). */
  bottomRows: number;
}

/** The best-architecture panel needs its title, the grid header, five levels and a few cell lines. */
const BOTTOM_MIN = 11;

function layoutFor(rows: number): Layout {
  // Header, footer and the line left free under the frame.
  const body = Math.max(8, rows - 3);
  const showBottom = body >= 30;
  const rest = body - (showBottom ? BOTTOM_MIN : 0);
  // charts: title + plot + axis; table: title + header + rows.
  const chartRows = Math.max(3, Math.min(10, Math.floor((rest - 4) / 2)));
  const topRows = Math.max(1, Math.min(TOP_K, rest - chartRows - 4));
  const bottomRows = showBottom ? body - (chartRows + 2) - (topRows + 2) : 0;
  return { body, chartRows, topRows, bottomRows };
}

/** The terminal's size; on a resize the screen is cleared, and the next frame (a different size) is drawn whole. */
function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 40 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => {
      // The old frame is gone in a terminal that reflowed it; wipe what is left, the cursor goes home.
      if (stdout.isTTY) stdout.write(CLEAR_SCREEN);
      setSize(read());
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

// ---------------------------------------------------------------------------------------------------
// Pieces

function Rows({ rows }: { rows: ChartRow[] }): ReactElement {
  return (
    <>
      {rows.map((row, i) => (
        <Text key={i} wrap="truncate-end">
          {row.map((segment, j) => (
            <Text key={j} color={segment.color}>{segment.text}</Text>
          ))}
        </Text>
      ))}
    </>
  );
}

function Title({ children }: { children: string }): ReactElement {
  return <Text bold color={COLORS.title} wrap="truncate-end">{children}</Text>;
}

function Header({ state, paused, readOnly }: { state: SearchState; paused: boolean; readOnly: boolean }): ReactElement {
  const { perHour, etaSeconds } = throughput(state);
  const phase = state.phase === 'paused' ? `WAITING (${terminalLine(state.reason ?? '')})`
    : state.phase === 'finished' ? (state.reason === 'budget' ? 'FINISHED (q closes)' : 'STOPPED (resumable with --resume)')
    : paused ? 'PROPOSALS PAUSED' : state.phase === 'running' ? 'RUNNING' : 'STARTING';
  const color = state.phase === 'running' && !paused ? 'green' : state.phase === 'finished' ? 'blue' : 'yellow';
  // Read from the run folder's events, which another process (a remote worker, a copied folder) wrote.
  const what = terminalLine([state.space, state.strategy, state.reward].filter(Boolean).join(' · '));
  return (
    <Text wrap="truncate-end">
      <Text bold>nasfpn search</Text>{readOnly ? <Text color="gray"> (watch)</Text> : null} {what} <Text color={color} bold>{phase}</Text>
      {`  ${trialsDone(state)}/${state.budget} trials · ${state.failed} failed${state.stoppedEarly ? ` · ${state.stoppedEarly} stopped early` : ''} · ${perHour === null ? '–' : perHour.toFixed(1)} trials/h · ETA ${formatDuration(etaSeconds)}`}
    </Text>
  );
}

interface DashboardProps {
  state: SearchState;
  width: number;
  layout: Layout;
  top: ReturnType<typeof topTrials>;
  selectedTrial: number | undefined;
  loadTrial: SearchAppProps['loadTrial'];
  parsePyramid: SearchAppProps['parsePyramid'];
}

function Dashboard({ state, width, layout, top, selectedTrial, loadTrial, parsePyramid }: DashboardProps): ReactElement {
  const left = Math.floor(width * 0.58);
  const right = width - left - 2;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box flexShrink={0}>
        <Box flexDirection="column" width={left} marginRight={2}>
          <RewardChart state={state} width={left} height={layout.chartRows} />
        </Box>
        <Box flexDirection="column" width={right}>
          <UniqueChart state={state} width={right} height={layout.chartRows} />
        </Box>
      </Box>
      <Box flexShrink={0}>
        <Box flexDirection="column" width={left} marginRight={2}>
          <TopTable state={state} top={top} selectedTrial={selectedTrial} />
        </Box>
        <Box flexDirection="column" width={right}>
          <Workers state={state} width={right} rows={layout.topRows + 1} />
        </Box>
      </Box>
      {layout.bottomRows ? (
        <Box flexShrink={0}>
          <Box flexDirection="column" width={left} marginRight={2}>
            <BestGrid state={state} width={left} lines={layout.bottomRows - 1} loadTrial={loadTrial} parsePyramid={parsePyramid} />
          </Box>
          <Box flexDirection="column" width={right}>
            <Controller state={state} width={right} />
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}

function RewardChart({ state, width, height }: { state: SearchState; width: number; height: number }): ReactElement {
  const { finished } = state;
  const rows = useMemo(() => brailleChart([
    { points: finished.map((t) => ({ x: t.index, y: t.reward })), color: COLORS.reward, style: 'points' },
    { points: finished.map((t) => ({ x: t.index, y: t.bestSoFar })), color: COLORS.best, style: 'line' },
  ], { width: width - 9, height, xRange: [1, Math.max(2, finished.length)], yDigits: 3 }), [finished, width, height]);
  const best1 = state.best ? state.best.reward.toFixed(3) : '–';
  return (
    <>
      <Title>{`Reward per trial · best so far (best ${best1})`}</Title>
      {finished.length ? (
        <Rows rows={rows} />
      ) : (
        <Text color="gray">no trial has finished yet</Text>
      )}
    </>
  );
}

function UniqueChart({ state, width, height }: { state: SearchState; width: number; height: number }): ReactElement {
  const curve = state.uniqueCurve;
  const last = curve[curve.length - 1] ?? { total: 0, unique: 0 };
  const rows = useMemo(() => brailleChart([
    { points: curve.map((p) => ({ x: p.total, y: p.total })), color: COLORS.total, style: 'line' },
    { points: curve.map((p) => ({ x: p.total, y: p.unique })), color: COLORS.unique, style: 'line' },
  ], { width: width - 8, height, yRange: [0, Math.max(1, last.total)], xRange: [1, Math.max(2, last.total)], yDigits: 0 }), [curve, width, height]);
  return (
    <>
      <Title>{`Unique ${last.unique} of ${last.total} proposed`}</Title>
      {last.total ? (
        <Rows rows={rows} />
      ) : (
        <Text color="gray">nothing proposed yet</Text>
      )}
    </>
  );
}

function TopTable({ state, top, selectedTrial }: { state: SearchState; top: ReturnType<typeof topTrials>; selectedTrial: number | undefined }): ReactElement {
  const start = state.sessionStart ?? state.finished[0]?.time ?? null;
  const when = (time: string) => (start ? `+${formatDuration((Date.parse(time) - Date.parse(start)) / 1000)}` : time.slice(11, 19));
  return (
    <>
      <Title>{`Top ${top.length} (↑/↓ select, enter: architecture and curve)`}</Title>
      <Text color="gray" wrap="truncate-end">{'  #  trial  hash      reward   params   FLOPs  found'}</Text>
      {top.length ? top.map((t, i) => {
        const isSelected = t.trial === selectedTrial;
        const line = `${String(i + 1).padStart(3)} ${String(t.trial).padStart(6)}  ${t.hash.slice(0, 8).padEnd(8)} ${t.reward.toFixed(4).padStart(7)} ${formatCount(t.params).padStart(8)} ${formatCount(t.flops).padStart(7)}  ${when(t.time)} (#${t.index})`;
        return <Text key={t.trial} inverse={isSelected} wrap="truncate-end">{line}</Text>;
      }) : <Text color="gray">–</Text>}
    </>
  );
}

function Workers({ state, width, rows }: { state: SearchState; width: number; rows: number }): ReactElement {
  const running = runningTrials(state);
  const alive = Object.values(state.workers).filter((w) => w.left === null).length;
  const bar = Math.max(6, Math.min(20, width - 42));
  return (
    <>
      <Title>{`Running ${running.length} · workers ${alive} alive`}</Title>
      {running.length ? running.slice(0, rows).map((r) => {
        const step = r.metrics.step !== undefined && r.metrics.steps !== undefined ? ` ${r.metrics.step}/${r.metrics.steps}` : '';
        const loss = r.metrics.loss !== undefined ? ` loss ${r.metrics.loss.toFixed(3)}` : '';
        return (
          <Text key={r.trial} wrap="truncate-end">
            {`${terminalLine(r.worker).padEnd(9).slice(0, 9)} #${String(r.trial).padEnd(5)} `}<Text color="cyan">{progressBar(r.fraction, bar)}</Text>{` ${Math.round(r.fraction * 100)}%${step}${loss}`}
          </Text>
        );
      }) : <Text color="gray">{state.phase === 'finished' ? 'search ended' : 'idle'}</Text>}
    </>
  );
}

function BestGrid({ state, width, lines, loadTrial, parsePyramid }: { state: SearchState; width: number; lines: number; loadTrial: SearchAppProps['loadTrial']; parsePyramid: SearchAppProps['parsePyramid'] }): ReactElement {
  const trial = state.best?.trial ?? null;
  const pyramid = usePyramid(trial, loadTrial, parsePyramid);
  return (
    <>
      <Title>{trial === null ? 'Best architecture' : `Best architecture: trial ${trial} (reward ${state.best!.reward.toFixed(4)})`}</Title>
      {pyramid ? <Rows rows={pyramidGrid(pyramid, width).slice(0, lines)} /> : <Text color="gray">{trial === null ? 'none yet' : 'its record is not readable yet'}</Text>}
    </>
  );
}

function Controller({ state, width }: { state: SearchState; width: number }): ReactElement {
  const c = state.controller;
  return (
    <>
      <Title>{`Controller${c ? ` (update ${c.step})` : ''}`}</Title>
      {c ? (
        <>
          <Text wrap="truncate-end">{`entropy  ${c.entropy.toFixed(3)} nats`}</Text>
          <Text color="cyan" wrap="truncate-end">{sparkline(state.entropyHistory, width - 2)}</Text>
          <Text wrap="truncate-end">{`baseline ${c.baseline === null ? '–' : c.baseline.toFixed(4)}`}</Text>
          <Text wrap="truncate-end">{`batch mean reward ${c.meanReward.toFixed(4)}`}</Text>
          {c.loss !== null ? <Text wrap="truncate-end">{`loss ${c.loss.toFixed(4)}`}</Text> : null}
        </>
      ) : (
        <Text color="gray">{state.strategy === 'random' ? 'random search learns nothing' : 'no update yet'}</Text>
      )}
    </>
  );
}

function TrialDetail({ state, trial, width, height, loadTrial, parsePyramid }: { state: SearchState; trial: number; width: number; height: number; loadTrial: SearchAppProps['loadTrial']; parsePyramid: SearchAppProps['parsePyramid'] }): ReactElement {
  const pyramid = usePyramid(trial, loadTrial, parsePyramid);
  const finished = state.finished.find((t) => t.trial === trial);
  const curve = curveOf(state, trial).filter((p) => p.loss !== null).map((p) => ({ x: p.fraction, y: p.loss as number }));
  const chartHeight = Math.max(3, Math.min(10, height - 16));
  return (
    <Box flexDirection="column">
      <Title>{`Trial ${trial}${finished ? ` · reward ${finished.reward.toFixed(4)} · params ${formatCount(finished.params)} · FLOPs ${formatCount(finished.flops)} · hash ${finished.hash}` : ''} (esc or enter: back)`}</Title>
      {pyramid ? <Rows rows={pyramidGrid(pyramid, width)} /> : <Text color="gray">its architecture is not readable</Text>}
      <Title>Loss over the trial</Title>
      {curve.length ? <Rows rows={brailleChart([{ points: curve, color: COLORS.reward, style: 'line' }], { width: width - 10, height: chartHeight, xRange: [0, 1], yDigits: 3 })} />
        : <Text color="gray">no learning curve (a cached duplicate, a reward that reports no loss, or finished too long ago)</Text>}
    </Box>
  );
}

function usePyramid(trial: number | null, loadTrial: SearchAppProps['loadTrial'], parsePyramid: SearchAppProps['parsePyramid']): PyramidIR | null {
  // A record is written before its events are printed, but re-read on each change of trial only.
  return useMemo(() => {
    if (trial === null) return null;
    const record = loadTrial(trial);
    return record ? parsePyramid(record.fpn) : null;
  }, [trial, loadTrial, parsePyramid]);
}

const HELP: [string, string][] = [
  ['p', 'pause or resume proposing new trials (running trials finish)'],
  ['q', 'quit: save the state and stop the workers (nasfpn search --resume RUN continues)'],
  ['e', 'export the current best architecture as .fpn'],
  ['↑ ↓', 'select a trial in the top-k table'],
  ['enter', "show the selected trial's architecture and learning curve"],
  ['esc', 'back to the dashboard'],
  ['?', 'this help'],
];

function Help({ readOnly }: { readOnly: boolean }): ReactElement {
  return (
    <Box flexDirection="column" marginY={1}>
      <Title>Keys</Title>
      {HELP.map(([key, what]) => (
        <Text key={key} wrap="truncate-end"><Text bold>{key.padEnd(6)}</Text> {what}</Text>
      ))}
      {readOnly ? <Text color="gray">watching another process's search: p does nothing, q only closes this view</Text> : null}
    </Box>
  );
}

function Footer({ message, readOnly }: { message: string | null; readOnly: boolean }): ReactElement {
  const keys = readOnly ? 'q close · e export best · ↑/↓ enter inspect · ? help' : 'p pause · q quit · e export best · ↑/↓ enter inspect · ? help';
  return <Text color="gray" wrap="truncate-end">{message ? <Text color="white">{terminalLine(message)}  </Text> : null}{keys}</Text>;
}
