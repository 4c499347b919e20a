// The language server the extension bundles (dist/server.js): `nasfpn lsp` without the rest of the CLI.
import { VERSION } from '../../../src/cli/version.js';
import { runLanguageServer } from '../../../src/lsp/server.js';

void runLanguageServer({ version: VERSION }).then(() => process.exit(0));
