// A training run in a child process, for the kill-and-resume test: `node driver.js RECIPE.fpn RUN [--resume]`
// trains the recipe's tiny detector on wasm with the stand-in data and losses, prints "step N" after each
// step, and stops cleanly on SIGTERM (through the same prepareRun/stopOnSignals as `nasfpn train`).
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../src/runtime/backend.js';
import { checkText } from '../../src/semantics/program.js';
import { EagerEngine } from '../../src/train/engine.js';
import { buildDetectorModel } from '../../src/train/model.js';
import { prepareRun, stopOnSignals } from '../../src/train/run.js';
import { standInObjective, standInSource } from './standins.js';

const [file, runDir, flag] = process.argv.slice(2);
await useBackend('wasm');
const text = readFileSync(file, 'utf8');
const recipe = checkText(text, file).program!.trains[0];
const { trainer, start } = await prepareRun({
  runDir, recipe, source: { file, files: { [file]: text } },
  engine: async (r) => new EagerEngine(tf, buildDetectorModel(r.detector, r.seed), r, standInObjective()),
  openData: async (r, from) => standInSource({ seed: r.seed, batch: r.batch, size: r.detector.inputSize, stepsPerEpoch: 3, from }),
  report: () => {},
  hooks: [{ name: 'print', afterStep: (t) => { process.stdout.write(`step ${t.step}\n`); } }],
}, flag === '--resume');
process.stdout.write(`start ${start.kind === 'resume' ? start.step : 0}\n`);
stopOnSignals(trainer, () => {});
const outcome = await trainer.run();
process.stdout.write(`${outcome} ${trainer.step}\n`);
