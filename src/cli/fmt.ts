// Placeholder until the language lands.
import type { Command } from 'commander';

export function registerFmt(_program: Command): void {}
