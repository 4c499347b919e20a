// Pyramid levels as written in files: `P3` is level 3 (stride 8). Level names double as the names of a
// pyramid's input layers.
import type { Level } from './ir.js';

const MIN_LEVEL = 1;
const MAX_LEVEL = 12;

/** The level a name like `P4` denotes, or null when it is not a level name. */
export function parseLevel(text: string): Level | null {
  const match = /^P(\d{1,2})$/.exec(text);
  if (!match) return null;
  const level = Number(match[1]);
  return level >= MIN_LEVEL && level <= MAX_LEVEL ? level : null;
}

export const looksLikeLevel = (text: string): boolean => /^P\d+$/.test(text);

export const levelName = (level: Level): string => `P${level}`;

/** The levels `minLevel`..`maxLevel`, finest first. */
export function levelRange(minLevel: Level, maxLevel: Level): Level[] {
  const levels: Level[] = [];
  for (let level = minLevel; level <= maxLevel; level++) levels.push(level);
  return levels;
}
