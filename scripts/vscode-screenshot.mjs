// `node scripts/vscode-screenshot.mjs`: renders docs/images/vscode.png, the README's picture of the editor
// support, from a real run of the language server (scripts/vscode-screenshot.ts says what it shows). Needs
// `npm run build` and Chromium (CHROMIUM=/path/to/chromium if it is not /usr/bin/chromium).
import { withTsModule } from './import-ts.mjs';

await withTsModule('scripts/vscode-screenshot.ts', () => {});
