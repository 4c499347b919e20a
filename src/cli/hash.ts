// Placeholder until the language lands.
import type { Command } from 'commander';

export function registerHash(_program: Command): void {}
