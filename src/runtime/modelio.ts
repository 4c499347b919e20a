// A TensorFlow.js IOHandler over node:fs: `model.json` (topology + weights manifest) and one `weights.bin`,
// the layout `tf.loadLayersModel('file://…')` of tfjs-node reads, without needing tfjs-node (which may be
// absent). Saving is atomic: the directory appears complete or not at all.
//
//   await model.save(fileSaveHandler('out/'));
//   const model = await tf.loadLayersModel(fileLoadHandler('out/'));
//
// Only types are imported from TensorFlow.js, so this module loads nothing heavy.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { writeDirAtomic } from './atomic.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Joins the weight buffers tfjs hands over (one ArrayBuffer, or several) into one byte array. */
function weightBytes(data: io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return bytes;
}

export interface SaveOptions {
  /** Extra metadata stored in model.json's `userDefinedMetadata` (e.g. output names, source file). */
  metadata?: Record<string, {}>;
}

export function fileSaveHandler(dir: string, options: SaveOptions = {}): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSaveHandler saves layers models (JSON topology) only');
      }
      const weights = weightBytes(artifacts.weightData);
      const modelJson: io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata || options.metadata
          ? { userDefinedMetadata: { ...artifacts.userDefinedMetadata, ...options.metadata } }
          : {}),
      };
      const json = JSON.stringify(modelJson);
      await writeDirAtomic(dir, (temp) => {
        writeFileSync(join(temp, WEIGHTS_BIN), weights);
        writeFileSync(join(temp, MODEL_JSON), json);
      });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
          weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

export function fileLoadHandler(dir: string): io.IOHandler {
  return {
    async load(): Promise<io.ModelArtifacts> {
      const modelJson = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as io.ModelJSON;
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const path of group.paths) buffers.push(readFileSync(join(dir, path)));
      }
      const bytes = weightBytes(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
      return {
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData: bytes.buffer as ArrayBuffer,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
      };
    },
  };
}

/** The user metadata stored in a saved model's model.json, without loading its weights. */
export function readModelMetadata(dir: string): Record<string, unknown> {
  const modelJson = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as io.ModelJSON;
  return (modelJson.userDefinedMetadata ?? {}) as Record<string, unknown>;
}
