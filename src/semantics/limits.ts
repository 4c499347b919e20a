// The largest sizes the checker accepts. Each is far beyond what the paper trains (Table 1: 7 stacks, 384
// channels, 1280-pixel inputs, 91 classes), yet small enough that counting a model (`nasfpn stats`) answers
// in well under a second and nothing is allocated for a file that could never be built. A file beyond a limit
// gets FPN220 with the limit in the message (docs/diagnostics.md).

/** Stacked pyramid networks (`pyramid NAME x REPEATS @ WIDTH`); the paper stacks at most 7. */
export const MAX_REPEATS = 32;
/** Feature width of the pyramid and the head, in channels; the paper uses at most 384. */
export const MAX_WIDTH = 2048;
/** Square input size in pixels (`input`, `--input`); the paper uses at most 1280. */
export const MAX_INPUT_SIZE = 4096;
/** Object classes of the head; LVIS has 1203, COCO 91 ids. */
export const MAX_CLASSES = 5000;
/** Convolutions per head tower; RetinaNet uses 4. */
export const MAX_HEAD_CONVS = 16;
/** Anchors per location (scales × ratios); RetinaNet uses 9. */
export const MAX_ANCHORS_PER_LOCATION = 64;
/** Cells of one pyramid (written or searched); NAS-FPN has 7, the paper searches up to about 20. */
export const MAX_CELLS = 256;

/**
 * How deep arrays and objects may nest in a TF block-spec file (`nasfpn import`); a spec nests 3 deep (the
 * list of blocks, a block, its input offsets). Deeper is refused with FPN403 before the reader's recursion
 * could exhaust the call stack. (.fpn text itself does not nest: declarations hold statements, nothing more.)
 */
export const MAX_SPEC_NESTING = 64;

/**
 * Bytes of one .fpn file (or spec file) the toolkit reads: 8 MiB, about 230,000 cells, which `check` reads in
 * about 20 s (bench/check.bench.ts: 100,000 cells in 3.5 MB). A larger file, like a device or a FIFO, is
 * refused before it is read (FPN014 for an import; a message for the file named on the command line).
 */
export const MAX_SOURCE_BYTES = 8 * 2 ** 20;

/**
 * Parameters `nasfpn build` allocates at most (2 GB of float32 weights, beyond what one TF.js weights file
 * holds comfortably); the largest model of the paper's Table 1 has 166.5 M. A detector within the limits
 * above can still exceed it (e.g. 32 stacks at width 2048), so `build` counts first and refuses before
 * allocating a tensor. `stats` counts such models without building them.
 */
export const MAX_BUILD_PARAMETERS = 500_000_000;
