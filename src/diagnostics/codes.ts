// The catalogue of diagnostic codes. Codes are stable: tests, editors and CI scripts match on them, so a
// code is never renumbered or reused; a retired check keeps its number reserved. docs/diagnostics.md lists
// them with examples.

export const CODES = {
  // syntax
  FPN001: 'lexical-error',
  FPN002: 'syntax-error',
  FPN003: 'hidden-character',
  // files and declarations
  FPN010: 'import-not-found',
  FPN011: 'import-cycle',
  FPN012: 'import-name-unknown',
  FPN013: 'duplicate-declaration',
  FPN014: 'import-not-a-file',
  // pyramid cells
  FPN100: 'unknown-input',
  FPN101: 'input-not-earlier',
  FPN102: 'inputs-not-distinct',
  FPN103: 'wrong-input-count',
  FPN104: 'duplicate-layer-name',
  FPN105: 'reserved-layer-name',
  FPN110: 'unknown-op',
  FPN111: 'bad-op-option',
  FPN120: 'bad-level',
  FPN121: 'level-out-of-range',
  FPN122: 'stride8-intermediate',
  FPN130: 'missing-output-level',
  FPN131: 'duplicate-output-level',
  FPN132: 'intermediate-after-output',
  FPN133: 'cells-in-fixed-pyramid',
  FPN140: 'dangling-sum',
  FPN141: 'dangling-without-output',
  FPN142: 'unused-layer',
  FPN150: 'bad-inputs',
  // settings (detectors, search spaces, training recipes, pyramid options)
  FPN200: 'unknown-setting',
  FPN201: 'missing-setting',
  FPN202: 'bad-setting-value',
  FPN203: 'duplicate-setting',
  FPN210: 'unknown-backbone',
  FPN211: 'unknown-pyramid',
  FPN212: 'bad-repeats',
  FPN213: 'bad-width',
  FPN214: 'width-not-multiple-of-8',
  FPN215: 'levels-mismatch',
  FPN216: 'unknown-head',
  FPN217: 'bad-input-size',
  FPN218: 'unknown-detector',
  FPN219: 'backbone-cannot-feed-levels',
  FPN220: 'too-large',
  FPN230: 'bad-train-length',
  FPN231: 'bad-schedule',
  FPN300: 'bad-search-space',
  // interchange formats
  FPN400: 'bad-spec-file',
  FPN401: 'not-expressible-in-spec',
  FPN402: 'op-not-in-spec',
  FPN403: 'spec-too-deep',
} as const;

export type Code = keyof typeof CODES;
