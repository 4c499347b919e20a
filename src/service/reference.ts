// One line of the language reference (docs/language.md) per keyword, for hovers. Each line is quoted from
// the reference word for word (test/service/reference.test.ts checks it), so the two cannot drift.

export const KEYWORD_REFERENCE: Record<string, string> = {
  import: 'The path is a string, relative to the folder of the importing file.',
  from: 'Imports are not transitive: a file sees its own declarations and those of the files it imports itself, not what those files import.',
  pyramid: "A pyramid network is a list of **merging cells** (the paper's Section 3).",
  detector: 'A detector is a RetinaNet: a backbone, its pyramid network stacked `REPEATS` times (each copy with its own weights), and a class and a box head on every output level.',
  search: "A search space is the set of pyramids the architecture search samples from (the paper's Section 3.1)",
  train: 'A `train` declaration is the recipe of a training run, so that a run is reproducible from the file alone (as the config files of detection toolkits are)',
  cell: 'The result is a new layer, named after the cell, that later cells may take as an input.',
  output: "The **output cells** are the pyramid's outputs, one per input level, so the pyramid's outputs have the same levels as its inputs and pyramids can be stacked.",
};
