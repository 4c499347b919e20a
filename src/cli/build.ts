// Placeholder: the `build` command is being written in its own issue; until then it is not registered.
import type { Command } from 'commander';

export function registerBuild(_program: Command): void {}
