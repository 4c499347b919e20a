// Placeholder: the `doctor` command is being written in its own issue; until then it is not registered.
import type { Command } from 'commander';

export function registerDoctor(_program: Command): void {}
