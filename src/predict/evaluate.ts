// COCO metrics of a model on a dataset's val split: this room's detections fed to the eval room's evaluator
// (which sits below predict and stays free of tensors). The one piece of code behind `nasfpn eval RUN`, the
// periodic evaluation of `nasfpn train` and the search's proxy reward, so all three score a model alike.
import type * as TF from '@tensorflow/tfjs';
import { loadSplitOf, type DatasetOptions, type LoadedSplit } from '../data/dataset.js';
import { CocoEvaluator, type CocoEvaluation } from '../eval/evaluator.js';
import { detectDataset, lastHead } from './detect.js';
import type { DetectorIR } from '../semantics/ir.js';
import { headLayout, type HeadLayout, type HeadSet } from '../targets/layout.js';

type Tfjs = typeof TF;

/** A val split with its COCO ground truth. */
export type EvaluationSet = LoadedSplit;

/** The val split of a dataset folder, with the class channels of `detector`'s head. */
export function loadEvaluationSet(detector: DetectorIR, dir: string, options: DatasetOptions = {}): Promise<EvaluationSet> {
  return loadSplitOf(dir, 'val', detector.head.classes, options);
}

/** COCOeval (bbox) of `model` (the whole detector: its last head) on the first `limit` val images (all when null). */
export async function evaluateOn(tf: Tfjs, model: TF.LayersModel, detector: DetectorIR, set: EvaluationSet, limit: number | null = null): Promise<CocoEvaluation> {
  const layout = headLayout(detector);
  const [evaluation] = await evaluateHeads(tf, model, layout, set, limit, lastHead(layout));
  return evaluation;
}

/**
 * COCOeval (bbox) of each head set in `heads` of a model whose outputs `layout` describes, on the first
 * `limit` val images (all when null): one forward pass a batch serves every head (the anytime exits of a
 * whole detector share their backbone and pyramids). One evaluation per head set, in the order given.
 */
export async function evaluateHeads(
  tf: Tfjs, model: TF.LayersModel, layout: HeadLayout, set: EvaluationSet, limit: number | null, heads: readonly HeadSet[],
): Promise<CocoEvaluation[]> {
  const images = limit === null ? set.dataset.images : set.dataset.images.slice(0, limit);
  const imgIds = images.map((i) => i.id).sort((a, b) => a - b);
  const evaluators = heads.map(() => new CocoEvaluator(set.groundTruth, { imgIds }));
  await detectDataset(tf, model, layout, set.dataset, limit, (id, perHead) => {
    perHead.forEach((records, h) => {
      evaluators[h].process(id, { boxes: records.flatMap((r) => r.bbox), scores: records.map((r) => r.score), categoryIds: records.map((r) => r.category_id) });
    });
  }, heads);
  return evaluators.map((e) => e.evaluate());
}
