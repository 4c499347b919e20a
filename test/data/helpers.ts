// Runs `nasfpn data …` in process (through commander, as the CLI does) and collects what it prints.
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerData } from '../../src/cli/data.js';
import { reportError } from '../../src/cli/errors.js';

export interface DataRun {
  /** The exit code bin/nasfpn would end with (src/cli/errors.ts). */
  code: number;
  stdout: string;
  stderr: string;
}

export async function runData(...args: string[]): Promise<DataRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const program = new Command('nasfpn').exitOverride();
  registerData(program);
  for (const command of program.commands) command.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['data', ...args], { from: 'user' });
  } catch (error) {
    // Reported as the CLI reports it (src/cli/errors.ts), onto the captured stderr.
    code = reportError(error);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}
