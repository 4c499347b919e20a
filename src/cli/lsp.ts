// `nasfpn lsp`: the language server for editors, over standard input and output. The server (src/lsp) and
// the protocol library are loaded only when this command runs.
import type { Command } from 'commander';
import { VERSION } from './version.js';

export function registerLsp(program: Command): void {
  program
    .command('lsp')
    .description('run the .fpn language server (Language Server Protocol over stdin/stdout) for editors')
    // Editor clients pass these when they start a server; stdio is the only transport, and the server watches no process.
    .option('--stdio', 'talk over standard input and output (the default and only transport)')
    .option('--clientProcessId <pid>', 'accepted for compatibility; ignored')
    .action(async () => {
      const { runLanguageServer } = await import('../lsp/server.js');
      await runLanguageServer({ version: VERSION });
    });
}
