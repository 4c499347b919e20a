// docs/eval.md stays true to the command: every option of `nasfpn eval` is documented there.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { expect, test } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';

test('docs/eval.md documents every option of nasfpn eval', () => {
  const program = new Command('nasfpn');
  registerEval(program);
  const page = readFileSync('docs/eval.md', 'utf8');
  const options = program.commands[0].options.map((o) => o.long!);
  expect(options.length).toBeGreaterThan(10);
  for (const option of options) expect(page, option).toContain(`\`${option}`);
});
