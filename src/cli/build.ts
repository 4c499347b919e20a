// `nasfpn build FILE -o DIR`: a trainable TensorFlow.js RetinaNet (model.json + weights.bin, weights
// initialised) that reloads with tf.loadLayersModel through src/runtime/modelio.ts. With `--emit ts`, the
// readable TypeScript source that builds the same model instead (no TensorFlow.js needed for that). With
// `--exit K`, the model that stops after pyramid K (an anytime exit): its weights keep their names, so a
// checkpoint of the whole detector loads into it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { writeFileAtomic } from '../runtime/atomic.js';
import { MAX_BUILD_PARAMETERS } from '../semantics/limits.js';
import { InputError, UsageError } from './errors.js';
import { parseExit, parseInputSize, withInputSize } from './options.js';
import { displayPath, relativePath } from './report.js';

interface BuildOptions {
  output?: string;
  detector?: string;
  emit: string;
  force?: boolean;
  backend?: string;
  input?: string;
  exit?: string;
  layersModule?: string;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build a detector of a .fpn file as a TensorFlow.js model (or emit the TypeScript that builds it)')
    .argument('<file>', '.fpn file (FILE#NAME picks the detector)')
    .requiredOption('-o, --output <path>', 'output directory (model.json + weights.bin), or the .ts file with --emit ts')
    .option('-d, --detector <name>', 'which detector (default: the first in the file)')
    .option('--emit <what>', 'model (a saved TF.js model) or ts (TypeScript source)', 'model')
    .option('--input <size>', 'square input size in pixels, overriding the detector\'s')
    .option('--exit <k>', 'stop after pyramid k (an anytime exit): the later pyramids and heads are left out')
    .option('--backend <name>', 'TF.js backend: auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu (default: the fastest available)')
    .option('--layers-module <specifier>', 'with --emit ts: where the emitted file imports the custom layers from (default: this package\'s src/codegen/layers.js, relative to the output)')
    .option('-f, --force', 'replace an existing output')
    .action(async (argument: string, options: BuildOptions) => {
      if (options.emit !== 'model' && options.emit !== 'ts') throw new UsageError(`--emit must be model or ts, not '${options.emit}'`);
      const output = options.output!;
      if (options.emit === 'ts' && existsSync(output) && statSync(output).isDirectory()) {
        throw new UsageError(`${output} is a directory; with --emit ts, -o names the .ts file to write`);
      }
      refuseToOverwrite(output, options.force === true);
      const inputSize = parseInputSize(options.input);
      const exitOption = parseExit(options.exit);
      const [{ loadDetector }, { lowerDetector }, { countModel }, { checkedExit }] = await Promise.all([
        import('./load.js'), import('../codegen/lower.js'), import('../codegen/count.js'), import('./exits.js'),
      ]);
      const { file, chosen: detector } = await loadDetector(argument, { name: options.detector, flag: '--detector' });
      const exit = exitOption === undefined ? undefined : checkedExit(detector, exitOption);
      const spec = lowerDetector(withInputSize(detector, inputSize), { exit });
      const counts = countModel(spec);
      const what = `${detector.name}${exit === undefined ? '' : ` up to exit ${exit} of ${detector.repeats}`} (${displayPath(file)}), input ${counts.inputSize}×${counts.inputSize}, ` +
        `${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${(counts.flops / 1e9).toFixed(1)} GFLOPs`;

      if (options.emit === 'ts') {
        const layersModule = options.layersModule ?? defaultLayersModule(output);
        const { emitTypeScript } = await import('../codegen/emit.js');
        const source = emitTypeScript(spec, { layersModule, source: `${relativePath(file)}, detector ${detector.name}` });
        writeFileAtomic(output, source);
        process.stdout.write(`wrote ${output}: ${what}; ${spec.layers.length} layers, ${source.split('\n').length} lines\n`);
        return;
      }

      const parameters = counts.trainable + counts.nonTrainable;
      if (parameters > MAX_BUILD_PARAMETERS) {
        throw new InputError(`${detector.name} has ${(parameters / 1e6).toFixed(0)} M parameters, more than build allocates ` +
          `(at most ${MAX_BUILD_PARAMETERS / 1e6} M); count it with nasfpn stats, or build a smaller configuration`);
      }
      const { initBackend } = await import('../runtime/backend.js');
      await initBackend(options.backend);
      const [{ buildModel }, { fileSaveHandler }] = await Promise.all([import('../codegen/builder.js'), import('../runtime/modelio.js')]);
      const start = performance.now();
      const model = buildModel(spec);
      const built = performance.now();
      if (model.countParams() !== counts.trainable + counts.nonTrainable) {
        throw new Error(`built model has ${model.countParams()} parameters, the counter says ${counts.trainable + counts.nonTrainable}`);
      }
      const result = await model.save(fileSaveHandler(output, {
        metadata: {
          nasfpn: {
            source: relativePath(file), detector: detector.name, inputSize: counts.inputSize, ...(exit === undefined ? {} : { exit }),
            outputs: spec.outputs.map((o) => o.name),
            customLayers: 'import src/codegen/layers.ts (GlobalPoolMerge, DropBlock, BatchNorm) before tf.loadLayersModel',
          },
        },
      }));
      model.dispose();
      const megabytes = ((result.modelArtifactsInfo.weightDataBytes ?? 0) / 2 ** 20).toFixed(1);
      process.stdout.write(
        `wrote ${output}${sep}{model.json, weights.bin (${megabytes} MiB)}: ${what}; ` +
        `built in ${((built - start) / 1000).toFixed(1)} s, saved in ${((performance.now() - built) / 1000).toFixed(1)} s\n`,
      );
    });
}

/** An existing file, or a non-empty directory, is only replaced with --force. */
function refuseToOverwrite(path: string, force: boolean): void {
  if (force || !existsSync(path)) return;
  const isEmptyDir = statSync(path).isDirectory() && readdirSync(path).length === 0;
  if (!isEmptyDir) throw new InputError(`${path} already exists; pass --force to replace it`);
}

/**
 * This package's custom-layer module (src/codegen/layers.js), as a path relative to the emitted file, so the
 * emitted code runs inside this repository (with tsx, vitest, or after tsc) without configuration.
 */
function defaultLayersModule(outputFile: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src', 'codegen'))) {
    const parent = dirname(dir);
    if (parent === dir) return 'nasfpn/src/codegen/layers.js';
    dir = parent;
  }
  const path = relative(dirname(resolve(outputFile)), join(dir, 'src', 'codegen', 'layers.js')).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}
