// The search warns before a proxy-reward run whose every reward would be near 0: the proxy detector's batch-norm
// moving statistics would still hold mostly their initial values when AP is measured (docs/training.md).
import { describe, expect, it } from 'vitest';
import { proxyWarning } from '../../src/search/proxy-budget.js';
import { loadExample } from '../helpers/examples.js';

const spaceOf = (example: string) => loadExample(example).searchSpaces[0];

describe('proxyWarning', () => {
  it("warns for the paper's proxy (momentum 0.997) at the default budget: 0.997^100 = 74% of the initial statistics", () => {
    expect(proxyWarning(spaceOf('search'), {})).toMatch(/'proxy_r10': batch norm momentum 0.997: after 100 training steps the moving statistics still hold 74%/);
  });

  it('is quiet for the synthetic proxy recipe (momentum 0.9) at 200 steps, and warns at 20 (0.9^20 = 12%)', () => {
    expect(proxyWarning(spaceOf('proxy'), { steps: 200 })).toBeNull();
    expect(proxyWarning(spaceOf('proxy'), { steps: 20 })).toMatch(/still hold 12%/);
  });

  it('says nothing for a recipe counted in epochs (its steps are known only with the dataset)', () => {
    expect(proxyWarning(spaceOf('proxy'), {})).toBeNull();
  });
});
