// Every dependency with an install script is reviewed: package.json's `allowScripts` allows or denies each one
// that package-lock.json marks `hasInstallScript`, so npm 11 warns about none on `npm ci` and a new dependency
// that brings a script fails here until someone decides (and docs/backends.md, "Install scripts", says why).
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const LOCK_PREFIX = 'node_modules/';

test('allowScripts covers every package with an install script, and nothing else', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts: Record<string, boolean> };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    // A nested copy (node_modules/a/node_modules/b) is still package b.
    if (entry.hasInstallScript) withScripts.add(path.slice(path.lastIndexOf(LOCK_PREFIX) + LOCK_PREFIX.length));
  }
  expect([...withScripts].sort()).toEqual(Object.keys(manifest.allowScripts).sort());
  const documented = readFileSync('docs/backends.md', 'utf8');
  for (const name of withScripts) expect(documented, `docs/backends.md explains ${name}'s script`).toContain(`\`${name}\``);
});
