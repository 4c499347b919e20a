// The `nasfpn` command. Each command lives in its own file and only glues the rooms together. A command file
// declares its command (arguments, options: all that --help needs) and imports its rooms inside its action,
// so start-up loads the declarations only and each command pays for its own rooms alone
// (test/architecture/startup.test.ts holds the start-up files to that).
import { Command } from 'commander';
import { reportError } from './errors.js';
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
import { registerSearchStudy } from './search-study.js';
import { registerLsp } from './lsp.js';
import { registerPlayground } from './playground.js';

function makeProgram(): Command {
  const program = new Command('nasfpn')
    .description('Feature-pyramid architectures in the style of NAS-FPN: check, format, draw, build and count them; evaluate detections.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    // A command's options are its own after a subcommand's name: `search study --run DIR` is the study's --run,
    // not `search`'s (commander needs this on every command above one that does it, the program included).
    .enablePositionalOptions()
    .exitOverride();
  for (const register of [
    registerCheck, registerFmt, registerExport, registerImport, registerHash, registerDiff,
    registerDraw, registerBuild, registerStats, registerDoctor, registerData, registerEval, registerTrain, registerPredict, registerPlot,
    registerSearch, registerWorker, registerLsp, registerPlayground,
    // After the search command: adds watch, report and study under `search`.
    registerSearchUi, registerSearchStudy,
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
    return reportError(raised);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
