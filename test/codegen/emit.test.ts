// The emitted TypeScript for a tiny detector, golden-filed: test/codegen/golden/tiny_r10.ts is also compiled
// by `npm run typecheck`, which checks that emitted code type-checks against tfjs and the custom layers.
// After a deliberate change to the emitter, regenerate it with UPDATE_GOLDEN=1 npx vitest run test/codegen/emit.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { emitTypeScript } from '../../src/codegen/emit.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { tinyResnet } from '../helpers/detectors.js';

const GOLDEN = 'test/codegen/golden/tiny_r10.ts';

test('the emitted source for R-10 NAS-FPN 2@16 matches the golden file', () => {
  const source = emitTypeScript(lowerDetector(tinyResnet()), {
    layersModule: '../../../src/codegen/layers.js',
    source: 'test/codegen/fixtures.ts tinyResnet()',
  });
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, source);
  expect(source).toBe(readFileSync(GOLDEN, 'utf8'));
});
