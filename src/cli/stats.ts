// Placeholder: the `stats` command is being written in its own issue; until then it is not registered.
import type { Command } from 'commander';

export function registerStats(_program: Command): void {}
