// COCO annotation and detection files, parsed once into compact typed arrays (one column per field), so that
// a 5,000-image ground truth with 500,000 detections costs tens of megabytes, not millions of objects. The
// data room (datasets, training) and the eval room (COCOeval) both read COCO files through `src/coco/read.ts`.
//
// Boxes stay as COCO writes them, [x, y, w, h] in original-image pixels; consumers convert at their edge.

/** `categories` of an instances file, in file order. */
export interface CocoCategories {
  readonly ids: Int32Array;
  readonly names: readonly string[];
  readonly supercategories: readonly string[];
}

/** `images` of an instances file, in file order. */
export interface CocoImages {
  readonly ids: Float64Array; // COCO ids are integers that may exceed 2^31 in user files
  readonly widths: Int32Array;
  readonly heights: Int32Array;
  readonly fileNames: readonly string[];
}

/** `annotations` of an instances file, in file order (column i is the i-th annotation). */
export interface CocoAnnotations {
  readonly count: number;
  readonly ids: Float64Array;
  readonly imageIds: Float64Array;
  readonly categoryIds: Int32Array;
  /** count × 4, [x, y, w, h]. */
  readonly bboxes: Float64Array;
  /** The file's `area` field (COCOeval's area ranges use it, not w·h). */
  readonly areas: Float64Array;
  readonly iscrowd: Uint8Array;
  /** The optional `ignore` field (1 = ignore), 0 where absent. */
  readonly ignore: Uint8Array;
}

/** A whole instances file. */
export interface CocoGroundTruth {
  readonly path: string;
  readonly images: CocoImages;
  readonly annotations: CocoAnnotations;
  readonly categories: CocoCategories;
}

/** A detection results file `[{image_id, category_id, bbox:[x,y,w,h], score}]`, in file order. */
export interface CocoDetections {
  readonly path: string;
  readonly count: number;
  readonly imageIds: Float64Array;
  readonly categoryIds: Int32Array;
  /** count × 4, [x, y, w, h]. */
  readonly bboxes: Float64Array;
  readonly scores: Float64Array;
}

/** One problem found in a COCO file: which file, where in it (a JSON path like `annotations[12].bbox`), what. */
export interface CocoIssue {
  readonly file: string;
  readonly jsonPath: string;
  readonly message: string;
}
