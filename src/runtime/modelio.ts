// A TensorFlow.js IOHandler over node:fs: `model.json` (topology + weights manifest) and one `weights.bin`,
// the layout `tf.loadLayersModel('file://…')` of tfjs-node reads, without needing tfjs-node (which may be
// absent). Saving is atomic: the directory appears complete or not at all.
//
//   await model.save(fileSaveHandler('out/'));
//   const model = await tf.loadLayersModel(fileLoadHandler('out/'));
//
// Only types are imported from TensorFlow.js, so this module loads nothing heavy.
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { writeDirAtomic } from './atomic.js';
import { readFile, readText, writeFile } from './fs.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Joins weight buffers (tfjs's ArrayBuffers on save, the files' Buffers on load) into one fresh byte array. */
function joinBytes(parts: readonly (ArrayBuffer | Uint8Array)[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part instanceof Uint8Array ? part : new Uint8Array(part), offset);
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
      const data = artifacts.weightData ?? [];
      const weights = joinBytes(Array.isArray(data) ? data : [data]);
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
        writeFile(join(temp, WEIGHTS_BIN), weights);
        writeFile(join(temp, MODEL_JSON), json);
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
      const modelJson = JSON.parse(readText(join(dir, MODEL_JSON))) as io.ModelJSON;
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const path of group.paths) buffers.push(readFile(join(dir, path)));
      }
      return {
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        // A fresh array from joinBytes, so its buffer is exactly the weights.
        weightData: joinBytes(buffers).buffer as ArrayBuffer,
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
  const modelJson = JSON.parse(readText(join(dir, MODEL_JSON))) as io.ModelJSON;
  return (modelJson.userDefinedMetadata ?? {}) as Record<string, unknown>;
}
