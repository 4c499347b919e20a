// The one place commands pick what they work on: FILE#NAME, the name flags, and selection in a checked file.
import { describe, expect, test } from 'vitest';
import { InputError, UsageError } from '../../src/cli/errors.js';
import {
  allPyramids, checkPath, chosenName, parseTarget, selectDetector, selectPyramid, selectSearchSpace,
} from '../../src/cli/load.js';

const program = (file: string) => {
  const result = checkPath(file);
  if (!result.program) throw new Error(`${file} has errors`);
  return result.program;
};

describe('FILE#NAME', () => {
  test('splits at the last #, and an empty name is no name', () => {
    expect(parseTarget('examples/nasfpn.fpn')).toEqual({ file: 'examples/nasfpn.fpn' });
    expect(parseTarget('examples/nasfpn.fpn#proxy_r10')).toEqual({ file: 'examples/nasfpn.fpn', name: 'proxy_r10' });
    expect(parseTarget('a#b.fpn#c')).toEqual({ file: 'a#b.fpn', name: 'c' });
    expect(parseTarget('x.fpn#')).toEqual({ file: 'x.fpn' });
    expect(parseTarget('#x')).toEqual({ file: '#x' });
  });

  test('the name comes from FILE#NAME or the flag; two different names are a usage error', () => {
    expect(chosenName({ file: 'f', name: 'a' }, undefined, '--detector')).toBe('a');
    expect(chosenName({ file: 'f' }, 'b', '--detector')).toBe('b');
    expect(chosenName({ file: 'f', name: 'a' }, 'a', '--detector')).toBe('a');
    expect(() => chosenName({ file: 'f', name: 'a' }, 'b', '--detector')).toThrow(UsageError);
  });
});

describe('selection in a checked file', () => {
  const nasfpn = program('examples/nasfpn.fpn');
  const search = program('examples/search.fpn');

  test('detectors: the first by default, by name, and a pyramid name says it is a pyramid', () => {
    expect(selectDetector(nasfpn).name).toBe(nasfpn.detectors[0].name);
    expect(selectDetector(nasfpn, 'proxy_r10').name).toBe('proxy_r10');
    expect(() => selectDetector(nasfpn, 'nasfpn')).toThrow(/'nasfpn' is a pyramid/);
    expect(() => selectDetector(nasfpn, 'nope')).toThrow(InputError);
  });

  test("a search file's proxy detectors count only when asked for", () => {
    expect(search.detectors).toHaveLength(0);
    expect(() => selectDetector(search)).toThrow(/declares no detector/);
    expect(selectDetector(search, undefined, { proxies: true }).name).toBe(search.searchSpaces[0].proxy!.name);
  });

  test("pyramids: a detector's name picks its pyramid at its width; every pyramid once", () => {
    const byDetector = selectPyramid(nasfpn, 'proxy_r10');
    expect(byDetector.pyramid.name).toBe('nasfpn');
    expect(byDetector.detector?.name).toBe('proxy_r10');
    const names = allPyramids(nasfpn).map((c) => c.pyramid.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('search spaces', () => {
    expect(selectSearchSpace(search).name).toBe(search.searchSpaces[0].name);
    expect(() => selectSearchSpace(nasfpn)).toThrow(/declares no search space/);
  });
});
