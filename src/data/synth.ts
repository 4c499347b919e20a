// A synthetic detection dataset in real COCO form: PNG files and annotations/instances_{train,val}.json. Each
// image has a textured background and several objects, one shape per class (filled and outlined circles,
// squares, triangles, diamonds, crosses…) in random colours, from ~6 px to half the image, so every pyramid
// level has work. Later objects occlude earlier ones; each annotation records the *visible* box (the tight box
// of the object's pixels that remain) and the visible area. Some images hold an `iscrowd` group: a cluster of
// small objects of one class under one annotation, as COCO marks crowds.
//
// The cross-scale task (`maxSide`, `context`, `detail`; docs/data.md) adds plates: large shapes that carry small
// tokens whose class is the plate's outline (a top-down path is needed) and small marks whose kind is the
// plate's class (a bottom-up path is needed), with shapes up to the whole image. Without those options nothing
// changes: the same options give the same files as before they existed.
//
// Reproducible: image i draws only from `Random.seeded(seed).fork('image-i')`, so the same options give
// byte-identical files whatever the order in which images are encoded.
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFile, writeFileAsync } from '../runtime/fs.js';
import { Random } from '../util/random.js';
import { loadSharp } from './image.js';

/** One shape class: whether the point (u, v) ∈ [−1, 1]² of its box (v grows downwards) is inside the shape. */
export interface Shape {
  readonly name: string;
  readonly inside: (u: number, v: number) => boolean;
}

const RING = 0.55; // inner radius of the outlined shapes, as a fraction of the outer one
const inTriangle = (u: number, v: number, s: number) => v <= s && v >= -s && Math.abs(u) <= (v + s) / 2;

/** The shape of class i (category id i + 1). */
export const SHAPES: readonly Shape[] = [
  { name: 'disc', inside: (u, v) => u * u + v * v <= 1 },
  { name: 'ring', inside: (u, v) => u * u + v * v <= 1 && u * u + v * v >= RING * RING },
  { name: 'square', inside: () => true },
  { name: 'frame', inside: (u, v) => Math.max(Math.abs(u), Math.abs(v)) >= RING },
  { name: 'triangle', inside: (u, v) => inTriangle(u, v, 1) },
  { name: 'outlined-triangle', inside: (u, v) => inTriangle(u, v, 1) && !inTriangle(u, v + 0.2, RING) },
  { name: 'plus', inside: (u, v) => Math.abs(u) <= 0.3 || Math.abs(v) <= 0.3 },
  { name: 'cross', inside: (u, v) => Math.abs(u - v) <= 0.4 || Math.abs(u + v) <= 0.4 },
  { name: 'diamond', inside: (u, v) => Math.abs(u) + Math.abs(v) <= 1 },
  { name: 'outlined-diamond', inside: (u, v) => Math.abs(u) + Math.abs(v) <= 1 && Math.abs(u) + Math.abs(v) >= RING },
  { name: 'bars', inside: (_u, v) => Math.floor((v + 1) * 2.5) % 2 === 0 },
  { name: 'half-disc', inside: (u, v) => v >= 0 && u * u + v * v <= 1 },
];

const byName = (name: string): Shape => SHAPES.find((s) => s.name === name)!;

/** The outlines a plate may have; with `context` K, the first K (a token's class is its plate's outline). */
export const PLATE_OUTLINES: readonly Shape[] = ['disc', 'square', 'triangle', 'diamond'].map(byName);
/** The shape of every token: a diamond (so `--context` allows at most the first 8 shape classes, before it). */
const TOKEN = byName('diamond');
/** The mark kinds; with `detail` K, the first K (a plate's class is the kind of its marks). */
export const MARKS: readonly Shape[] = [
  { name: 'dots', inside: (u, v) => u * u + v * v <= 1 },
  { name: 'rings', inside: (u, v) => u * u + v * v <= 1 && u * u + v * v >= 0.3 },
  { name: 'pluses', inside: (u, v) => Math.abs(u) <= 0.3 || Math.abs(v) <= 0.3 },
  { name: 'crosses', inside: (u, v) => Math.abs(u - v) <= 0.45 || Math.abs(u + v) <= 0.45 },
];

/** The categories of a dataset: its shape classes, then the token classes, then the plate classes. */
export function synthCategories(options: SynthOptions): { name: string; supercategory: string }[] {
  return [
    ...SHAPES.slice(0, options.classes).map((shape) => ({ name: shape.name, supercategory: 'shape' })),
    ...PLATE_OUTLINES.slice(0, options.context ?? 0).map((outline) => ({ name: `token-on-${outline.name}`, supercategory: 'token' })),
    ...MARKS.slice(0, options.detail ?? 0).map((mark) => ({ name: `plate-of-${mark.name}`, supercategory: 'plate' })),
  ];
}

export interface SynthOptions {
  /** Images in all (train + val). */
  readonly images: number;
  /** Square image side in pixels. */
  readonly size: number;
  /** Object classes (1..SHAPES.length); category ids 1..classes. */
  readonly classes: number;
  readonly seed: number;
  readonly minObjects: number;
  readonly maxObjects: number;
  /** Fraction of the images in the val split (the last ones). */
  readonly valFraction: number;
  /** The largest object side as a fraction of the image side (DEFAULT_MAX_SIDE; 1 reaches the top level's anchors). */
  readonly maxSide?: number;
  /** Token classes, 0..PLATE_OUTLINES.length: small objects whose class is the outline of the plate under them. */
  readonly context?: number;
  /** Plate classes, 0..MARKS.length: large objects whose class is the kind of the small marks on them. */
  readonly detail?: number;
}

export const DEFAULT_SYNTH: Omit<SynthOptions, 'images' | 'size' | 'classes' | 'seed'> = {
  minObjects: 2,
  maxObjects: 6,
  valFraction: 0.1,
};

/** The largest shape's side as a fraction of the image side, by default (today's task: half the image). */
export const DEFAULT_MAX_SIDE = 0.5;
/** How many plates an image holds (weights of none, one, two). */
const PLATE_LAYOUT = [0.15, 0.5, 0.35];
/** A plate's side, log-uniform from this fraction of the image (of its half, for two plates) to `maxSide` of it
 * (to the half), and at least PLATE_MIN_SIDE px (room for tokens). One plate alone reaches the top levels. */
const PLATE_MIN_FRACTION = 0.75;
const PLATE_MIN_SIDE = 24;
/** A plate's aspect ratio, up to this either way (discs stay roughly round). */
const PLATE_ASPECT = 1.25;
/** Marks: side in pixels (odd, so a plus has a one-pixel stroke), one per MARK_SPACING² px² of plate, within these bounds. */
const MARK_SIDE = 5;
const MARK_SPACING = 20;
const MARKS_PER_PLATE: readonly [number, number] = [3, 24];
/** Tokens: sides in pixels, and how many per plate. Each keeps TOKEN_CLEARANCE of its sides of plate around it,
 * so that its own neighbourhood shows nothing of the plate's outline. */
const TOKEN_SIDE: readonly [number, number] = [8, 20];
const TOKEN_CLEARANCE = 1;
/** A token with its clearance spans at most this fraction of its plate's side: the largest square inside the
 * narrowest outlines (a triangle, a diamond) is half the side, and the token should have room to move in it. */
const TOKEN_ROOM = 0.35;
const TOKENS_PER_PLATE: readonly [number, number] = [1, 3];
/** Random positions tried per mark or token before giving up on it (the plate is full, or too narrow). */
const PLACEMENT_ATTEMPTS = 60;
/** The smallest object side drawn, in pixels (a few pixels more than one P3 stride's worth of detail). */
const MIN_OBJECT_SIZE = 6;
/** An object keeps its annotation only if at least this fraction of its pixels stays visible... */
const MIN_VISIBLE_FRACTION = 0.25;
/** ...and at least this many pixels; otherwise it is removed from the image altogether. */
const MIN_VISIBLE_PIXELS = 12;
/** Probability that an image holds one crowd group, and the group's member count. */
const CROWD_PROBABILITY = 0.15;
const CROWD_MEMBERS: readonly [number, number] = [4, 8];
/** Per-pixel noise amplitude (± grey levels) on the background and on objects. */
const NOISE = 10;
/** Objects' colours are redrawn while closer than this (Euclidean, 0–255 RGB) to the background's base colour. */
const MIN_CONTRAST = 90;

/** One annotation of a synthetic image, in COCO's terms. */
export interface SynthAnnotation {
  readonly categoryId: number;
  readonly iscrowd: 0 | 1;
  /** The visible box, [x, y, w, h] in whole pixels. */
  readonly bbox: readonly [number, number, number, number];
  /** Visible pixels. */
  readonly area: number;
  /** COCO segmentation: the box as a polygon, or for crowds the visible mask as uncompressed RLE. */
  readonly segmentation: number[][] | { counts: number[]; size: [number, number] };
}

/** A rendered image: RGB bytes, and for tests, per pixel the annotation it shows (−1 for background) and the plan. */
export interface SynthImage {
  readonly size: number;
  readonly pixels: Uint8Array;
  readonly owner: Int16Array;
  readonly annotations: readonly SynthAnnotation[];
  /** What was planned, before occlusion: the objects in drawing order and the annotations they point into. */
  readonly plan: { readonly objects: readonly SceneObject[]; readonly planned: readonly SceneAnnotation[] };
}

/** One drawn object: its shape, the annotation it belongs to (crowd members share one), its box and colour. */
export interface SceneObject {
  readonly shape: Shape;
  readonly annotation: number;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly rgb: readonly [number, number, number];
}

/** What an annotation of a scene is before it is measured. */
export interface SceneAnnotation {
  readonly categoryId: number;
  readonly iscrowd: 0 | 1;
  /** Drawn but never annotated (and never removed for being hidden): the plates of a context-only task. */
  readonly scenery?: true;
}

function randomColour(random: Random, avoid: readonly number[]): [number, number, number] {
  let rgb: [number, number, number] = [0, 0, 0];
  for (let attempt = 0; attempt < 8; attempt++) {
    rgb = [random.int(256), random.int(256), random.int(256)];
    if (Math.hypot(rgb[0] - avoid[0]!, rgb[1] - avoid[1]!, rgb[2] - avoid[2]!) >= MIN_CONTRAST) break;
  }
  return rgb;
}

/** A textured background: two colours mixed by a pattern (stripes, checks, a gradient or blotches). */
function drawBackground(random: Random, size: number, pixels: Uint8ClampedArray): number[] {
  const base = [random.int(256), random.int(256), random.int(256)];
  const other = base.map((c) => Math.max(0, Math.min(255, c + random.intBetween(-60, 60))));
  const pattern = random.int(4);
  const angle = random.uniform(0, Math.PI);
  const period = random.uniform(4, size / 2);
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  // The pattern's mix between the two colours per pixel, one loop per pattern (no per-pixel dispatch).
  const mix = new Float32Array(size * size);
  switch (pattern) {
    case 0: // stripes across the angle
      for (let y = 0, p = 0; y < size; y++) for (let x = 0; x < size; x++, p++) mix[p] = Math.floor((x * ca + y * sa) / period) & 1;
      break;
    case 1: // checks
      for (let y = 0, p = 0; y < size; y++) for (let x = 0; x < size; x++, p++) mix[p] = (Math.floor(x / period) + Math.floor(y / period)) & 1;
      break;
    case 2: // a gradient along the angle
      for (let y = 0, p = 0; y < size; y++) for (let x = 0; x < size; x++, p++) mix[p] = (x * ca + y * sa) / (size * 1.5) + 0.3;
      break;
    default: {
      // blotches: 0.5 + 0.5·sin(2(x·ca + y·sa)/P)·cos((y·ca − x·sa)/P), with the sines and cosines of the x and y
      // terms tabulated once (angle addition) instead of evaluated per pixel
      const table = (k: number, f: (v: number) => number) => Float64Array.from({ length: size }, (_, i) => f(k * i));
      const [a, b, c, d] = [(2 * ca) / period, (2 * sa) / period, ca / period, sa / period];
      const [sinAx, cosAx, sinDx, cosDx] = [table(a, Math.sin), table(a, Math.cos), table(d, Math.sin), table(d, Math.cos)];
      const [sinBy, cosBy, sinCy, cosCy] = [table(b, Math.sin), table(b, Math.cos), table(c, Math.sin), table(c, Math.cos)];
      for (let y = 0, p = 0; y < size; y++) {
        for (let x = 0; x < size; x++, p++) {
          const wave = sinAx[x]! * cosBy[y]! + cosAx[x]! * sinBy[y]!;
          const across = cosCy[y]! * cosDx[x]! + sinCy[y]! * sinDx[x]!;
          mix[p] = 0.5 + 0.5 * wave * across;
        }
      }
    }
  }
  const [b0, b1, b2] = base as [number, number, number];
  const [d0, d1, d2] = [other[0]! - b0, other[1]! - b1, other[2]! - b2];
  for (let p = 0; p < size * size; p++) {
    const noise = ((random.uint32() & 0xff) / 255) * 2 * NOISE - NOISE;
    const m = mix[p]!;
    pixels[3 * p] = b0 + d0 * m + noise;
    pixels[3 * p + 1] = b1 + d1 * m + noise;
    pixels[3 * p + 2] = b2 + d2 * m + noise;
  }
  return base;
}

/** Marks each object's pixels in `owner` with its index, later objects over earlier ones; skips `removed` annotations. */
function rasterise(objects: readonly SceneObject[], size: number, owner: Int16Array, removed: Uint8Array): void {
  owner.fill(-1);
  objects.forEach((o, index) => {
    if (removed[o.annotation]) return;
    for (let y = o.y; y < o.y + o.h; y++) {
      const v = ((y + 0.5 - o.y) / o.h) * 2 - 1;
      for (let x = o.x; x < o.x + o.w; x++) {
        if (o.shape.inside(((x + 0.5 - o.x) / o.w) * 2 - 1, v)) owner[y * size + x] = index;
      }
    }
  });
}

/** The objects of one image in drawing order (later ones on top) and the annotations they belong to. */
class ScenePlan {
  readonly objects: SceneObject[] = [];
  readonly planned: SceneAnnotation[] = [];

  /** A new annotation; returns its index for the objects that make it up. */
  annotate(annotation: SceneAnnotation): number {
    return this.planned.push(annotation) - 1;
  }
}

/** Draws image `index` of a dataset from its own stream of `root` (see the module comment). */
export function renderSynthImage(index: number, options: SynthOptions, root: Random): SynthImage {
  const { size } = options;
  const random = root.fork(`image-${index}`);
  const pixels = new Uint8ClampedArray(size * size * 3); // clamped: colour + noise saturates instead of wrapping
  const background = drawBackground(random, size, pixels);
  const scene = new ScenePlan();
  const plates = (options.context ?? 0) > 0 || (options.detail ?? 0) > 0 ? planPlates(scene, random, options, background) : [];
  planShapes(scene, random, options, background, plates);
  return { size, ...composeScene(scene.objects, scene.planned, size, pixels, random), plan: scene };
}

/** A box [x, y, w, h] in pixels. */
type Box = readonly [number, number, number, number];
const overlaps = (a: Box, b: Box) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

/**
 * The shape classes (category ids 1..classes): `minObjects`..`maxObjects` shapes anywhere off the `avoid` boxes
 * (the plates), sides log-uniform from MIN_OBJECT_SIZE to `maxSide` of the image, and sometimes a crowd group;
 * crowd members share one annotation. A shape that finds no room off the plates is left out.
 */
function planShapes(scene: ScenePlan, random: Random, options: SynthOptions, background: readonly number[], avoid: readonly Box[]): void {
  const { size, classes } = options;
  const logMin = Math.log(MIN_OBJECT_SIZE);
  const logMax = Math.log(Math.max(MIN_OBJECT_SIZE, size * (options.maxSide ?? DEFAULT_MAX_SIDE)));
  const place = (shape: Shape, annotation: number, side: number, cx?: number, cy?: number, spread = 0) => {
    for (let attempt = 0; attempt < (avoid.length ? PLACEMENT_ATTEMPTS : 1); attempt++) {
      const ratio = Math.exp(random.uniform(Math.log(0.5), Math.log(2)));
      const w = Math.min(size, Math.max(MIN_OBJECT_SIZE, Math.round(side * Math.sqrt(ratio))));
      const h = Math.min(size, Math.max(MIN_OBJECT_SIZE, Math.round(side / Math.sqrt(ratio))));
      const clamp = (p: number, extent: number) => Math.max(0, Math.min(size - extent, Math.round(p)));
      const x = cx === undefined ? random.int(size - w + 1) : clamp(cx + random.uniform(-spread, spread) - w / 2, w);
      const y = cy === undefined ? random.int(size - h + 1) : clamp(cy + random.uniform(-spread, spread) - h / 2, h);
      if (avoid.some((box) => overlaps(box, [x, y, w, h]))) continue;
      scene.objects.push({ shape, annotation, x, y, w, h, rgb: randomColour(random, background) });
      return;
    }
  };
  if (classes === 0) return;
  const count = random.intBetween(options.minObjects, options.maxObjects);
  const crowdAt = random.float() < CROWD_PROBABILITY ? random.int(count + 1) : -1;
  for (let i = 0; i <= count; i++) {
    if (i === crowdAt) {
      const cls = random.int(classes);
      const annotation = scene.annotate({ categoryId: cls + 1, iscrowd: 1 });
      const members = random.intBetween(CROWD_MEMBERS[0], CROWD_MEMBERS[1]);
      const cx = random.uniform(size / 4, (3 * size) / 4);
      const cy = random.uniform(size / 4, (3 * size) / 4);
      const side = Math.max(MIN_OBJECT_SIZE, size / 10);
      for (let m = 0; m < members; m++) place(SHAPES[cls]!, annotation, random.uniform(MIN_OBJECT_SIZE, side), cx, cy, size / 8);
    }
    if (i === count) break;
    const cls = random.int(classes);
    const annotation = scene.annotate({ categoryId: cls + 1, iscrowd: 0 });
    place(SHAPES[cls]!, annotation, Math.exp(random.uniform(logMin, logMax)));
  }
}

/**
 * Plates: large shapes (up to `maxSide` of the image) that the shape classes keep off, so that what lies on a
 * plate is a token or a mark and nothing else, and no shape is a fragment left around a plate. Returns their
 * boxes. Zero, one or two plates per image (two side by side, never overlapping, so a token's plate is never in
 * doubt).
 * - `context` > 0: each plate's outline is one of the first `context` PLATE_OUTLINES, and 1–3 small tokens lie on
 *   it (diamonds, TOKEN_SIDE px) whose class is that outline. Around a token lies at least its own side of flat
 *   plate, and the outline is mostly much further, beyond what the fine levels' backbone features see: the class
 *   has to come down from a coarser level (a top-down path).
 * - `detail` > 0: each plate is annotated, its class the kind of the small marks (MARK_SIDE px) scattered over
 *   it, one of the first `detail` MARKS. The marks are a few pixels across, seen only at the finest levels,
 *   while the plate's anchors are at the coarsest: the class has to come up from a finer level (a bottom-up
 *   path, or the backbone alone). Without `detail` plates are scenery: drawn, never annotated.
 * The outline, the plate's colour and the marks are drawn independently, so no class leaks through another cue.
 */
function planPlates(scene: ScenePlan, random: Random, options: SynthOptions, background: readonly number[]): Box[] {
  const { size, classes } = options;
  const context = options.context ?? 0;
  const detail = options.detail ?? 0;
  const largest = size * (options.maxSide ?? DEFAULT_MAX_SIDE);
  const layout = random.weighted(PLATE_LAYOUT);
  const areas: [number, number, number, number][] = []; // the region each plate is placed in: [x, y, w, h]
  if (layout === 1) areas.push([0, 0, size, size]);
  if (layout === 2) {
    const half = Math.floor(size / 2);
    if (random.bernoulli(0.5)) areas.push([0, 0, half, size], [half, 0, size - half, size]);
    else areas.push([0, 0, size, half], [0, half, size, size - half]);
  }
  const boxes: Box[] = [];
  for (const [ax, ay, aw, ah] of areas) {
    const room = Math.min(aw, ah, largest);
    const least = Math.min(room, Math.max(PLATE_MIN_SIDE, PLATE_MIN_FRACTION * Math.min(aw, ah)));
    const side = Math.exp(random.uniform(Math.log(least), Math.log(room)));
    const ratio = Math.exp(random.uniform(-Math.log(PLATE_ASPECT), Math.log(PLATE_ASPECT)));
    const w = Math.min(aw, Math.max(1, Math.round(side * Math.sqrt(ratio))));
    const h = Math.min(ah, Math.max(1, Math.round(side / Math.sqrt(ratio))));
    const x = ax + random.int(aw - w + 1);
    const y = ay + random.int(ah - h + 1);
    const outlineIndex = random.int(context > 0 ? context : PLATE_OUTLINES.length);
    const plateShape = PLATE_OUTLINES[outlineIndex]!;
    const markIndex = detail > 0 ? random.int(detail) : -1;
    const rgb = randomColour(random, background);
    const annotation = scene.annotate(
      markIndex >= 0 ? { categoryId: classes + context + markIndex + 1, iscrowd: 0 } : { categoryId: 0, iscrowd: 0, scenery: true },
    );
    scene.objects.push({ shape: plateShape, annotation, x, y, w, h, rgb });
    boxes.push([x, y, w, h]);
    // Boxes of [x, y, side] placed so far on this plate: marks and tokens keep a pixel apart.
    const taken: [number, number, number][] = [];
    const free = (bx: number, by: number, bs: number) =>
      taken.every(([tx, ty, ts]) => bx + bs < tx || tx + ts < bx || by + bs < ty || ty + ts < by);
    // Whether the box [bx, by, bs, bs] lies inside the plate: its corners and centre do (the outlines are convex).
    const onPlate = (bx: number, by: number, bs: number) =>
      [[bx, by], [bx + bs, by], [bx, by + bs], [bx + bs, by + bs], [bx + bs / 2, by + bs / 2]].every(([px, py]) => {
        const [u, v] = [((px! - x) / w) * 2 - 1, ((py! - y) / h) * 2 - 1];
        return Math.abs(u) <= 1 && Math.abs(v) <= 1 && plateShape.inside(u, v);
      });
    // Places up to `count` boxes of drawn sides at random on the plate, each with `clearance` sides of plate
    // around it, none touching another.
    const scatter = (count: number, drawSide: () => number, clearance: number, add: (bx: number, by: number, bs: number) => void) => {
      for (let attempt = 0, placed = 0; placed < count && attempt < count * PLACEMENT_ATTEMPTS; attempt++) {
        const bs = drawSide();
        const margin = clearance * bs;
        if (bs + 2 * margin > Math.min(w, h)) continue;
        const bx = x + margin + random.int(w - bs - 2 * margin + 1);
        const by = y + margin + random.int(h - bs - 2 * margin + 1);
        if (!onPlate(bx - margin, by - margin, bs + 2 * margin) || !free(bx, by, bs)) continue;
        taken.push([bx, by, bs]);
        add(bx, by, bs);
        placed++;
      }
    };
    if (markIndex >= 0) {
      const markRgb = randomColour(random, rgb);
      const count = Math.max(MARKS_PER_PLATE[0], Math.min(MARKS_PER_PLATE[1], Math.round((w * h) / MARK_SPACING ** 2)));
      scatter(count, () => MARK_SIDE, 0, (bx, by, bs) => scene.objects.push({ shape: MARKS[markIndex]!, annotation, x: bx, y: by, w: bs, h: bs, rgb: markRgb }));
    }
    if (context > 0) {
      // The same sizes whatever the outline (a token's size must not tell its class): what the narrowest outline holds.
      const room = (TOKEN_ROOM * Math.min(w, h)) / (1 + 2 * TOKEN_CLEARANCE);
      const largestToken = Math.max(TOKEN_SIDE[0], Math.min(TOKEN_SIDE[1], room));
      const drawSide = () => Math.round(Math.exp(random.uniform(Math.log(TOKEN_SIDE[0]), Math.log(largestToken))));
      scatter(random.intBetween(TOKENS_PER_PLATE[0], TOKENS_PER_PLATE[1]), drawSide, TOKEN_CLEARANCE, (bx, by, bs) => {
        const token = scene.annotate({ categoryId: classes + outlineIndex + 1, iscrowd: 0 });
        scene.objects.push({ shape: TOKEN, annotation: token, x: bx, y: by, w: bs, h: bs, rgb: randomColour(random, rgb) });
      });
    }
  }
  return boxes;
}

/**
 * Draws `objects` in order over the background in `pixels` (later ones occlude earlier ones) and measures what
 * stays visible of each annotation: its tight pixel box and pixel count. Annotations with too little left
 * (MIN_VISIBLE_PIXELS, MIN_VISIBLE_FRACTION) are removed together with their objects. `random` adds the
 * objects' pixel noise.
 */
export function composeScene(
  objects: readonly SceneObject[], planned: readonly SceneAnnotation[], size: number, pixels: Uint8ClampedArray, random: Random,
): Omit<SynthImage, 'size' | 'plan'> {
  // Occlusion: rasterise, drop annotations too hidden to label, rasterise again without them (which can only
  // uncover pixels of the others, so every remaining annotation still passes).
  const annotations = planned.length;
  const owner = new Int16Array(size * size);
  const removed = new Uint8Array(annotations);
  const fullArea = new Float64Array(annotations);
  for (const o of objects) {
    for (let y = 0; y < o.h; y++) {
      for (let x = 0; x < o.w; x++) if (o.shape.inside(((x + 0.5) / o.w) * 2 - 1, ((y + 0.5) / o.h) * 2 - 1)) fullArea[o.annotation]!++;
    }
  }
  rasterise(objects, size, owner, removed);
  const visible = new Float64Array(annotations);
  for (let p = 0; p < owner.length; p++) if (owner[p]! >= 0) visible[objects[owner[p]!]!.annotation]!++;
  for (let a = 0; a < annotations; a++) {
    if (planned[a]!.scenery) continue;
    if (visible[a]! < MIN_VISIBLE_PIXELS || visible[a]! < MIN_VISIBLE_FRACTION * fullArea[a]!) removed[a] = 1;
  }
  if (removed.some((r) => r)) rasterise(objects, size, owner, removed);

  // Paint the objects and measure each annotation's visible pixels.
  const minX = new Int32Array(annotations).fill(size);
  const minY = new Int32Array(annotations).fill(size);
  const maxX = new Int32Array(annotations).fill(-1);
  const maxY = new Int32Array(annotations).fill(-1);
  const area = new Int32Array(annotations);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const index = owner[p]!;
      if (index < 0) continue;
      const o = objects[index]!;
      const noise = (random.uint32() & 0xff) / 255 * 2 * NOISE - NOISE;
      for (let c = 0; c < 3; c++) pixels[3 * p + c] = o.rgb[c]! + noise;
      const a = o.annotation;
      owner[p] = a; // from here on, owner holds annotations, not objects
      area[a]!++;
      if (x < minX[a]!) minX[a] = x;
      if (x > maxX[a]!) maxX[a] = x;
      if (y < minY[a]!) minY[a] = y;
      if (y > maxY[a]!) maxY[a] = y;
    }
  }
  // Renumber the kept annotations 0..n−1 in drawing order.
  const renumber = new Int16Array(annotations).fill(-1);
  const out: SynthAnnotation[] = [];
  for (let a = 0; a < annotations; a++) {
    if (removed[a] || planned[a]!.scenery) continue; // a scenery's pixels end as background in the owner map
    renumber[a] = out.length;
    const bbox = [minX[a]!, minY[a]!, maxX[a]! - minX[a]! + 1, maxY[a]! - minY[a]! + 1] as const;
    const [x, y, w, h] = bbox;
    out.push({
      categoryId: planned[a]!.categoryId,
      iscrowd: planned[a]!.iscrowd,
      bbox,
      area: area[a]!,
      segmentation: planned[a]!.iscrowd ? { counts: [], size: [size, size] } : [[x, y, x + w, y, x + w, y + h, x, y + h]],
    });
  }
  for (let p = 0; p < owner.length; p++) if (owner[p]! >= 0) owner[p] = renumber[owner[p]!]!;
  for (const [i, annotation] of out.entries()) {
    if (annotation.iscrowd) (annotation.segmentation as { counts: number[] }).counts = columnMajorRle(owner, size, i);
  }
  return { pixels: new Uint8Array(pixels.buffer), owner, annotations: out };
}

/** COCO's uncompressed RLE of the pixels where owner = id: run lengths in column-major order, starting with 0s. */
function columnMajorRle(owner: Int16Array, size: number, id: number): number[] {
  const counts: number[] = [];
  let current = false;
  let run = 0;
  for (let x = 0; x < size; x++) {
    for (let y = 0; y < size; y++) {
      const on = owner[y * size + x] === id;
      if (on !== current) {
        counts.push(run);
        run = 0;
        current = on;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** What `writeSynthDataset` wrote. */
export interface SynthSummary {
  readonly train: { images: number; annotations: number };
  readonly val: { images: number; annotations: number };
}

/** The two splits: image indices [0, trainCount) are train, the rest val. */
function splitSizes(options: SynthOptions): { train: number; val: number } {
  const val = options.images > 1 ? Math.round(options.images * options.valFraction) : 0;
  return { train: options.images - val, val };
}

/** The options of the cross-scale task that differ from today's, as the generator record lists them (none by default, so
 * a default dataset's files stay byte-identical to those written before these options existed). */
function sceneOptions(o: SynthOptions): Partial<Pick<SynthOptions, 'maxSide' | 'context' | 'detail'>> {
  return {
    ...(o.maxSide !== undefined && o.maxSide !== DEFAULT_MAX_SIDE ? { maxSide: o.maxSide } : {}),
    ...(o.context ? { context: o.context } : {}),
    ...(o.detail ? { detail: o.detail } : {}),
  };
}

/** Validates options; returns a message for the first bad one (the CLI reports it as a usage error). */
export function synthOptionsProblem(o: SynthOptions): string | undefined {
  const isInt = Number.isInteger;
  if (!isInt(o.images) || o.images < 1) return `--images must be a positive integer, not ${o.images}`;
  if (!isInt(o.size) || o.size < 2 * MIN_OBJECT_SIZE || o.size > 4096) return `--size must be an integer in [${2 * MIN_OBJECT_SIZE}, 4096], not ${o.size}`;
  const [context, detail, maxSide] = [o.context ?? 0, o.detail ?? 0, o.maxSide ?? DEFAULT_MAX_SIDE];
  if (!isInt(context) || context < 0 || context > PLATE_OUTLINES.length) return `--context must be an integer in [0, ${PLATE_OUTLINES.length}] (one plate outline a class), not ${context}`;
  if (!isInt(detail) || detail < 0 || detail > MARKS.length) return `--detail must be an integer in [0, ${MARKS.length}] (one mark kind a class), not ${detail}`;
  const fewest = context + detail > 0 ? 0 : 1;
  if (!isInt(o.classes) || o.classes < fewest || o.classes > SHAPES.length) return `--classes must be an integer in [${fewest}, ${SHAPES.length}] (one shape a class), not ${o.classes}`;
  const tokenShape = SHAPES.indexOf(TOKEN);
  if (context > 0 && o.classes > tokenShape) return `--classes must be at most ${tokenShape} with --context: the tokens are ${TOKEN.name}s, shape ${tokenShape + 1}, not ${o.classes}`;
  if (!(maxSide > 0 && maxSide <= 1)) return `--max-side must be a fraction of the image side in (0, 1], not ${maxSide}`;
  if (!Number.isFinite(o.seed)) return `--seed must be a number, not ${o.seed}`;
  if (!isInt(o.minObjects) || o.minObjects < 0) return `--min-objects must be a non-negative integer, not ${o.minObjects}`;
  if (!isInt(o.maxObjects) || o.maxObjects < o.minObjects || o.maxObjects > 200) return `--max-objects must be an integer in [--min-objects, 200], not ${o.maxObjects}`;
  if (!(o.valFraction >= 0 && o.valFraction < 1)) return `--val must be a fraction in [0, 1), not ${o.valFraction}`;
  return undefined;
}

/**
 * Writes the dataset into `dir` (which should be empty or new; the CLI writes into a temp dir and renames it):
 * train/ and val/ with the PNG files, annotations/instances_train.json and instances_val.json. PNG encoding
 * runs on sharp's threads, several images at a time, while the next images are drawn.
 */
export async function writeSynthDataset(dir: string, options: SynthOptions, onImage?: (done: number) => void): Promise<SynthSummary> {
  const problem = synthOptionsProblem(options);
  if (problem) throw new RangeError(problem);
  const sharp = await loadSharp();
  const root = Random.seeded(options.seed);
  const { train } = splitSizes(options);
  const splits = ['train', 'val'] as const;
  for (const split of splits) mkdirSync(join(dir, split), { recursive: true });
  mkdirSync(join(dir, 'annotations'), { recursive: true });

  type ImageRecord = { id: number; file: string; annotations: readonly SynthAnnotation[] };
  const records: Record<'train' | 'val', ImageRecord[]> = { train: [], val: [] };
  const inFlight = new Set<Promise<void>>();
  const limit = Math.max(2, availableParallelism() * 2);
  let done = 0;
  // The first image that cannot be encoded or written (a full disk) stops the drawing; the images in flight
  // are let finish before it is thrown, so no write is left running (or failing unheard) behind the error.
  let failure: { error: unknown } | null = null;
  for (let i = 0; i < options.images && !failure; i++) {
    const image = renderSynthImage(i, options, root);
    const split = i < train ? 'train' : 'val';
    const file = `${String(i + 1).padStart(6, '0')}.png`;
    records[split].push({ id: i + 1, file, annotations: image.annotations });
    const job = sharp(image.pixels, { raw: { width: options.size, height: options.size, channels: 3 } })
      .png({ compressionLevel: 6, adaptiveFiltering: false })
      .toBuffer()
      .then((png) => writeFileAsync(join(dir, split, file), png))
      .then(() => onImage?.(++done), (error: unknown) => void (failure ??= { error }))
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw (failure as { error: unknown }).error;

  const summary = { train: { images: 0, annotations: 0 }, val: { images: 0, annotations: 0 } };
  let annotationId = 1;
  for (const split of splits) {
    const images = records[split];
    const annotations = images.flatMap((image) =>
      image.annotations.map((a) => ({
        id: annotationId++, image_id: image.id, category_id: a.categoryId, bbox: a.bbox, area: a.area,
        iscrowd: a.iscrowd, segmentation: a.segmentation,
      })),
    );
    const coco = {
      info: {
        description: 'nasfpn synthetic shapes',
        version: '1',
        generator: {
          images: options.images, size: options.size, classes: options.classes, seed: options.seed, minObjects: options.minObjects, maxObjects: options.maxObjects, valFraction: options.valFraction,
          ...sceneOptions(options),
        },
      },
      licenses: [],
      images: images.map((image) => ({ id: image.id, file_name: image.file, width: options.size, height: options.size })),
      annotations,
      categories: synthCategories(options).map((category, k) => ({ id: k + 1, ...category })),
    };
    writeFile(join(dir, 'annotations', `instances_${split}.json`), JSON.stringify(coco) + '\n');
    summary[split] = { images: images.length, annotations: annotations.length };
  }
  return summary;
}
