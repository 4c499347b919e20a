// Runs `nasfpn data …` in process (through commander, as the CLI does) and collects what it prints.
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerData } from '../../src/cli/data.js';
import { InputError, UsageError } from '../../src/cli/errors.js';

export interface DataRun {
  /** 0, 1 (bad input) or 2 (bad command line), as bin/nasfpn would exit. */
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
    if (error instanceof InputError) {
      code = 1;
      if (!error.alreadyReported) stderr += `nasfpn: ${error.message}\n`;
    } else if (error instanceof UsageError) {
      code = 2;
      stderr += `nasfpn: ${error.message}\n`;
    } else if ((error as { exitCode?: number }).exitCode !== undefined) {
      code = (error as { exitCode: number }).exitCode === 0 ? 0 : 2;
    } else {
      throw error;
    }
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}
