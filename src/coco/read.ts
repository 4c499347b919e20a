// Reading COCO files: an `instances_*.json` ground truth and a detection results list, parsed once and turned
// into typed-array columns (src/coco/types.ts). Structure is validated here, with every problem named by file and
// JSON path (`annotations[12].bbox`) and all of them reported at once; what a problem *means* for a dataset
// (a box outside its image, a missing image file) is the data room's judgement, not the reader's.
//
// The fields and defaults follow pycocotools (cocodataset/cocoapi PythonAPI/pycocotools/coco.py): annotations
// need `id`, `image_id`, `category_id` and `bbox`; `iscrowd` defaults to 0 and `ignore` is optional; detection
// results are `[{image_id, category_id, bbox, score}]` and every `image_id` must be in the ground truth
// (`COCO.loadRes` asserts "Results do not correspond to current coco set").
import { readFile } from 'node:fs/promises';
import type {
  CocoAnnotations, CocoCategories, CocoDetections, CocoGroundTruth, CocoImages, CocoIssue,
} from './types.js';

/** How many problems a `CocoFileError` lists before it only counts the rest (a broken file can have millions). */
export const MAX_LISTED_ISSUES = 20;

/** A COCO file that cannot be used: every problem found, each with its file and JSON path. */
export class CocoFileError extends Error {
  constructor(readonly file: string, readonly issues: readonly CocoIssue[]) {
    super(describeIssues(file, issues));
  }
}

function describeIssues(file: string, issues: readonly CocoIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `  ${i.jsonPath || '(top level)'}: ${i.message}`);
  const more = issues.length > MAX_LISTED_ISSUES ? [`  … and ${issues.length - MAX_LISTED_ISSUES} more`] : [];
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [`${file}: ${count}`, ...listed, ...more].join('\n');
}

/** Collects the problems of one file; `fail()` throws them all at once. */
class IssueList {
  readonly issues: CocoIssue[] = [];
  constructor(readonly file: string) {}
  add(jsonPath: string, message: string): void {
    this.issues.push({ file: this.file, jsonPath, message });
  }
  fail(): void {
    if (this.issues.length > 0) throw new CocoFileError(this.file, this.issues);
  }
}

/** Reads and parses a JSON file, turning a missing file or a syntax error into a `CocoFileError` with line:col. */
async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a JSON file'
      : (error as Error).message;
    throw new CocoFileError(path, [{ file: path, jsonPath: '', message: `cannot read the file: ${why}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CocoFileError(path, [{ file: path, jsonPath: '', message: `not valid JSON: ${syntaxErrorAt(text, error)}` }]);
  }
}

/**
 * Node 20's JSON.parse often says only "Unexpected token" without a position; a person wants the line and
 * column. This is called only after JSON.parse failed, so a small syntax scan finding the first bad offset costs
 * nothing on good files.
 */
function syntaxErrorAt(text: string, error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split(/,? "|\n/)[0]!.replace(/\s*(in JSON )?at position \d+.*$/, '');
  const offset = firstSyntaxError(text);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${message} at line ${line}, column ${offset - lineStart + 1}`;
}

/** The offset of the first character where `text` stops being JSON (text.length when it ends too early). */
function firstSyntaxError(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail();
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  const container = (close: string, keyed: boolean) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (keyed) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
      }
      value();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (offset) {
    return Math.min(offset as number, text.length);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The array under `key` of the top-level object, or an issue. `optional` arrays default to []. */
function arrayField(root: Record<string, unknown>, key: string, issues: IssueList, optional = false): unknown[] {
  const value = root[key];
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) {
    issues.add(key, value === undefined ? `missing: an instances file has an "${key}" array` : `must be an array`);
    return [];
  }
  return value;
}

/** A `[x, y, w, h]` of finite numbers, written into `into` at `at`; false (with an issue) otherwise. */
function readBox(value: unknown, path: string, issues: IssueList, into: Float64Array, at: number): boolean {
  if (!Array.isArray(value) || value.length !== 4 || !value.every(isFiniteNumber)) {
    issues.add(path, 'must be [x, y, width, height]: four finite numbers');
    return false;
  }
  into[at] = value[0];
  into[at + 1] = value[1];
  into[at + 2] = value[2];
  into[at + 3] = value[3];
  return true;
}

/** Reads an `instances_*.json` ground truth into columns; throws a `CocoFileError` listing every problem. */
export async function readCocoGroundTruth(path: string): Promise<CocoGroundTruth> {
  const root = await readJson(path);
  const issues = new IssueList(path);
  if (!isObject(root)) {
    issues.add('', 'an instances file is a JSON object with "images", "annotations" and "categories"');
    issues.fail();
  }
  const top = root as Record<string, unknown>;
  const categories = readCategories(arrayField(top, 'categories', issues), issues);
  const images = readImages(arrayField(top, 'images', issues), issues);
  const annotations = readAnnotations(arrayField(top, 'annotations', issues), images, categories, issues);
  issues.fail();
  return { path, images, annotations, categories };
}

function readCategories(list: unknown[], issues: IssueList): CocoCategories {
  const ids = new Int32Array(list.length);
  const names: string[] = [];
  const supercategories: string[] = [];
  const seen = new Map<number, number>();
  list.forEach((c, i) => {
    const at = `categories[${i}]`;
    if (!isObject(c)) return issues.add(at, 'must be an object {id, name}');
    if (!isInteger(c.id) || c.id < 0 || c.id > 0x7fffffff) issues.add(`${at}.id`, 'must be a non-negative integer');
    else if (seen.has(c.id)) issues.add(`${at}.id`, `duplicate category id ${c.id} (also categories[${seen.get(c.id)}])`);
    else seen.set(c.id, i);
    if (typeof c.name !== 'string') issues.add(`${at}.name`, 'must be a string');
    ids[i] = isInteger(c.id) ? c.id : -1;
    names.push(typeof c.name === 'string' ? c.name : '');
    supercategories.push(typeof c.supercategory === 'string' ? c.supercategory : '');
  });
  return { ids, names, supercategories };
}

function readImages(list: unknown[], issues: IssueList): CocoImages {
  const ids = new Float64Array(list.length);
  const widths = new Int32Array(list.length);
  const heights = new Int32Array(list.length);
  const fileNames: string[] = [];
  const seen = new Map<number, number>();
  list.forEach((image, i) => {
    const at = `images[${i}]`;
    fileNames.push('');
    if (!isObject(image)) return issues.add(at, 'must be an object {id, width, height, file_name}');
    if (!isInteger(image.id)) issues.add(`${at}.id`, 'must be an integer');
    else if (seen.has(image.id)) issues.add(`${at}.id`, `duplicate image id ${image.id} (also images[${seen.get(image.id)}])`);
    else seen.set(image.id, i);
    ids[i] = isInteger(image.id) ? image.id : NaN;
    // width, height and file_name are optional here (COCOeval needs none of them); the data room requires them.
    for (const key of ['width', 'height'] as const) {
      const v = image[key];
      if (v !== undefined && (!isInteger(v) || v <= 0)) issues.add(`${at}.${key}`, 'must be a positive integer');
    }
    widths[i] = isInteger(image.width) ? image.width : 0;
    heights[i] = isInteger(image.height) ? image.height : 0;
    if (image.file_name !== undefined && typeof image.file_name !== 'string') issues.add(`${at}.file_name`, 'must be a string');
    fileNames[i] = typeof image.file_name === 'string' ? image.file_name : '';
  });
  return { ids, widths, heights, fileNames };
}

function readAnnotations(
  list: unknown[], images: CocoImages, categories: CocoCategories, issues: IssueList,
): CocoAnnotations {
  const count = list.length;
  const columns = {
    count,
    ids: new Float64Array(count),
    imageIds: new Float64Array(count),
    categoryIds: new Int32Array(count),
    bboxes: new Float64Array(count * 4),
    areas: new Float64Array(count),
    iscrowd: new Uint8Array(count),
    ignore: new Uint8Array(count),
  };
  const imageIds = new Set(images.ids);
  const categoryIds = new Set(categories.ids);
  // Ids must be unique: pycocotools indexes annotations by id and silently keeps the last of a repeated one.
  const seen = new Map<number, number>();
  list.forEach((a, i) => {
    const at = `annotations[${i}]`;
    if (!isObject(a)) return issues.add(at, 'must be an object {id, image_id, category_id, bbox, area, iscrowd}');
    if (!isInteger(a.id)) issues.add(`${at}.id`, 'must be an integer');
    else if (seen.has(a.id)) issues.add(`${at}.id`, `duplicate annotation id ${a.id} (also annotations[${seen.get(a.id)}])`);
    else seen.set(a.id, i);
    columns.ids[i] = isInteger(a.id) ? a.id : NaN;
    if (!isInteger(a.image_id)) issues.add(`${at}.image_id`, 'must be an integer');
    else if (!imageIds.has(a.image_id)) issues.add(`${at}.image_id`, `image ${a.image_id} is not in "images"`);
    columns.imageIds[i] = isInteger(a.image_id) ? a.image_id : NaN;
    if (!isInteger(a.category_id)) issues.add(`${at}.category_id`, 'must be an integer');
    else if (!categoryIds.has(a.category_id)) issues.add(`${at}.category_id`, `category ${a.category_id} is not in "categories"`);
    columns.categoryIds[i] = isInteger(a.category_id) ? a.category_id : -1;
    const hasBox = readBox(a.bbox, `${at}.bbox`, issues, columns.bboxes, i * 4);
    if (a.area !== undefined && !isFiniteNumber(a.area)) issues.add(`${at}.area`, 'must be a number');
    // COCO files always carry `area`; a hand-written file without it gets the box area.
    columns.areas[i] = isFiniteNumber(a.area) ? a.area : hasBox ? columns.bboxes[i * 4 + 2]! * columns.bboxes[i * 4 + 3]! : 0;
    columns.iscrowd[i] = flag(a.iscrowd, `${at}.iscrowd`, issues);
    columns.ignore[i] = flag(a.ignore, `${at}.ignore`, issues);
  });
  return columns;
}

/** A 0/1 flag (true/false accepted), 0 when absent. */
function flag(value: unknown, path: string, issues: IssueList): number {
  if (value === undefined || value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  issues.add(path, 'must be 0 or 1');
  return 0;
}

/**
 * Reads a detection results list `[{image_id, category_id, bbox:[x,y,w,h], score}]` for `gt`; every image_id
 * must be one of gt's images. An empty list is valid (it scores zero).
 */
export async function readCocoDetections(path: string, gt: CocoGroundTruth): Promise<CocoDetections> {
  const root = await readJson(path);
  const issues = new IssueList(path);
  if (!Array.isArray(root)) {
    issues.add('', 'a detection file is a JSON array of {image_id, category_id, bbox, score}');
    issues.fail();
  }
  const detections = cocoDetectionsFromRecords(root as unknown[], gt, issues);
  issues.fail();
  return { path, ...detections };
}

/** The shape of one COCO detection result, as `predict` writes it and `readCocoDetections` reads it. */
export interface CocoDetectionRecord {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

/**
 * Detection records (from a file, or made in memory by `predict`) as columns, validated against `gt`.
 * Throws a `CocoFileError` named `source` when any record is malformed.
 */
export function detectionsFromRecords(records: readonly unknown[], gt: CocoGroundTruth, source = '(detections)'): CocoDetections {
  const issues = new IssueList(source);
  const detections = cocoDetectionsFromRecords(records, gt, issues);
  issues.fail();
  return { path: source, ...detections };
}

function cocoDetectionsFromRecords(list: readonly unknown[], gt: CocoGroundTruth, issues: IssueList): Omit<CocoDetections, 'path'> {
  const count = list.length;
  const imageIds = new Float64Array(count);
  const categoryIds = new Int32Array(count);
  const bboxes = new Float64Array(count * 4);
  const scores = new Float64Array(count);
  const known = new Set(gt.images.ids);
  for (let i = 0; i < count; i++) {
    const d = list[i];
    const at = `[${i}]`;
    if (!isObject(d)) {
      issues.add(at, 'must be an object {image_id, category_id, bbox, score}');
      continue;
    }
    if (!isInteger(d.image_id)) issues.add(`${at}.image_id`, 'must be an integer');
    else if (!known.has(d.image_id)) {
      issues.add(`${at}.image_id`, `image ${d.image_id} is not in the ground truth (${gt.path}): results must be for its images`);
    }
    imageIds[i] = isInteger(d.image_id) ? d.image_id : NaN;
    if (!isInteger(d.category_id) || d.category_id > 0x7fffffff || d.category_id < -0x80000000) {
      issues.add(`${at}.category_id`, 'must be an integer');
    }
    categoryIds[i] = isInteger(d.category_id) ? d.category_id : -1;
    readBox(d.bbox, `${at}.bbox`, issues, bboxes, i * 4);
    if (!isFiniteNumber(d.score)) issues.add(`${at}.score`, 'must be a finite number');
    scores[i] = isFiniteNumber(d.score) ? d.score : 0;
  }
  return { count, imageIds, categoryIds, bboxes, scores };
}
