// Placeholder until the language lands.
import type { Command } from 'commander';

export function registerExport(_program: Command): void {}
export function registerImport(_program: Command): void {}
