// Placeholder: the `draw` command is being written in its own issue; until then it is not registered.
import type { Command } from 'commander';

export function registerDraw(_program: Command): void {}
