// Every store the toolkit writes, against a failing disk (the file-system seam's faults, src/runtime/fs.ts; the
// CLI as users run it takes its plan from NASFPN_FAULTS): the command ends with exit 74 and a message naming
// the file and what is safe, no stack trace, and what was there before is byte for byte unchanged. Training
// (checkpoints, metrics) and search (trials, state, events) have their own: test/train/faults.test.ts and
// test/search/faults.test.ts.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { writeResult } from '../../bench/lib.js';
import { clearFaults, FAULTS_ENV, injectFaults, type FaultRule } from '../../src/runtime/fs.js';
import { ensureBundle, expectNoStackTrace, nasfpnWith } from '../helpers/cli.js';
import { fileDigests } from '../helpers/files.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-store-faults-'));
beforeAll(() => ensureBundle());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => clearFaults());

const withFaults = (rules: FaultRule[], ...args: string[]) => nasfpnWith({ env: { [FAULTS_ENV]: JSON.stringify(rules) } }, ...args);

describe('build output', () => {
  test('ENOSPC writing the emitted TypeScript: exit 74 naming the file; the file it was to replace is unchanged', () => {
    const output = join(scratch, 'model.ts');
    writeFileSync(output, '// the earlier build\n');
    const run = withFaults([{ op: 'write', path: 'model.ts', fault: 'ENOSPC' }], 'build', 'examples/nasfpn.fpn', '--emit', 'ts', '-o', output, '--force');
    expect(run.code, run.stderr).toBe(74);
    expect(run.stderr).toContain(`nasfpn: ${output}: no space left on device (ENOSPC). Files nasfpn writes are replaced whole or not at all, so what was there before is intact`);
    expectNoStackTrace(run);
    expect(readFileSync(output, 'utf8')).toBe('// the earlier build\n');
    expect(readdirSync(scratch).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('without faults the same command writes it (the plan alone made it fail)', () => {
    const output = join(scratch, 'model2.ts');
    const run = withFaults([], 'build', 'examples/nasfpn.fpn', '--emit', 'ts', '-o', output);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(output, 'utf8')).toContain('export function');
  });
});

describe('data synth output', () => {
  test('EIO on the third image: exit 74; a dataset it was to replace (--force) is unchanged, nothing half-written is left', () => {
    const dir = join(scratch, 'shapes');
    const first = withFaults([], 'data', 'synth', '-o', dir, '--images', '6', '--size', '32');
    expect(first.code, first.stderr).toBe(0);
    const before = fileDigests(dir);
    const run = withFaults([{ op: 'write', path: '.png', nth: 3, fault: 'EIO' }], 'data', 'synth', '-o', dir, '--images', '6', '--size', '32', '--seed', '2', '--force');
    expect(run.code, run.stderr).toBe(74);
    expect(run.stderr).toMatch(/nasfpn: .*shapes\/train\/00000\d\.png: input\/output error \(the disk or its file system failed\) \(EIO\)/);
    expectNoStackTrace(run);
    expect(fileDigests(dir)).toEqual(before);
    expect(readdirSync(scratch).filter((f) => f.startsWith('.shapes'))).toEqual([]);
  });

  test('ENOSPC on the annotation file of a new dataset: exit 74, and no folder appears', () => {
    const dir = join(scratch, 'never');
    const run = withFaults([{ op: 'write', path: 'instances_val.json', fault: 'ENOSPC' }], 'data', 'synth', '-o', dir, '--images', '4', '--size', '32');
    expect(run.code, run.stderr).toBe(74);
    expect(run.stderr).toContain('instances_val.json: no space left on device (ENOSPC)');
    expect(existsSync(dir)).toBe(false);
  });
});

describe('bench results', () => {
  test('a results file that cannot be written throws the errno; the earlier results stay', () => {
    const name = `faults-test-${process.pid}`;
    const path = join('bench', 'results', `${name}.json`);
    try {
      writeResult(name, { value: 1 });
      const before = readFileSync(path, 'utf8');
      injectFaults([{ op: 'write', path: name, fault: 'EDQUOT' }]);
      // Named as the results file, not the temp file it was being written to.
      expect(() => writeResult(name, { value: 2 })).toThrow(expect.objectContaining({ code: 'EDQUOT', path }));
      expect(readFileSync(path, 'utf8')).toBe(before);
    } finally {
      rmSync(path, { force: true });
    }
  });
});
