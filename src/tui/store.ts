// Events arrive as fast as the engine makes them (hundreds a second from progress reports); the UI redraws
// at most REDRAW_MS apart. The store buffers events and folds them into the state in one batch per tick,
// so a burst costs one redraw.
import type { SearchEvent } from '../search/events.js';
import { initialState, reduce, type SearchState } from './state.js';

/** At most ~10 redraws a second. */
export const REDRAW_MS = 100;

export class ThrottledStore {
  private state: SearchState;
  private pending: SearchEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(initial: SearchState = initialState(), private readonly intervalMs = REDRAW_MS) {
    this.state = initial;
  }

  /** Queues an event; the state changes at the next tick. */
  push = (event: SearchEvent): void => {
    this.pending.push(event);
    if (this.timer === null) this.timer = setTimeout(this.flush, this.intervalMs);
  };

  /** Folds the queued events in now (also what the tick does). */
  flush = (): void => {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    let s = this.state;
    for (const event of this.pending) s = reduce(s, event);
    this.pending = [];
    this.state = s;
    for (const listener of this.listeners) listener();
  };

  getSnapshot = (): SearchState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Stops the tick (the queued events are folded in first). */
  close(): void {
    this.flush();
  }
}
