#!/usr/bin/env node
// The installed command: runs the bundled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/main.js', import.meta.url);
if (!existsSync(bundle)) {
  console.error('nasfpn: the CLI is not built yet; run `npm run build` in the nasfpn folder.');
  process.exit(2);
}
await import(bundle.href);
