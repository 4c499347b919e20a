// The `nasfpn` command. Each command lives in its own file and only glues the rooms together; heavy
// modules (TensorFlow.js, the diagram renderers) are imported inside the actions, so `nasfpn check` does not
// pay for them at start-up.
import { Command, CommanderError } from 'commander';
import { EXIT_INPUT, EXIT_USAGE, fromRoomError, InputError, UsageError } from './errors.js';
import { VERSION } from './version.js';
import { registerCheck } from './check.js';
import { registerFmt } from './fmt.js';
import { registerExport, registerImport } from './tfspec.js';
import { registerHash } from './hash.js';
import { registerDiff } from './diff.js';
import { registerDraw } from './draw.js';
import { registerBuild } from './build.js';
import { registerStats } from './stats.js';
import { registerDoctor } from './doctor.js';
import { registerData } from './data.js';
import { registerEval } from './eval.js';
import { registerTrain } from './train.js';
import { registerPredict } from './predict.js';
import { registerPlot } from './plot.js';
import { registerSearch } from './search.js';
import { registerWorker } from './worker.js';
import { registerSearchUi } from './search-ui.js';
import { registerLsp } from './lsp.js';
import { registerPlayground } from './playground.js';

function makeProgram(): Command {
  const program = new Command('nasfpn')
    .description('Feature-pyramid architectures in the style of NAS-FPN: check, format, draw, build and count them; evaluate detections.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerCheck, registerFmt, registerExport, registerImport, registerHash, registerDiff,
    registerDraw, registerBuild, registerStats, registerDoctor, registerData, registerEval, registerTrain, registerPredict, registerPlot,
    registerSearch, registerWorker, registerLsp, registerPlayground,
    // After the search command: adds watch and report under `search`.
    registerSearchUi,
  ]) {
    register(program);
  }
  // Every subcommand reports usage errors the same way (exit 2) instead of exiting on its own.
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (raised) {
    const error = fromRoomError(raised);
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`nasfpn: ${error.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof InputError) {
      if (!error.alreadyReported) process.stderr.write(`nasfpn: ${error.message}\n`);
      return EXIT_INPUT;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`nasfpn: internal error: ${message}\n`);
    if (process.env.NASFPN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('(set NASFPN_DEBUG=1 for the stack trace, and please report it)\n');
    return 70;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
