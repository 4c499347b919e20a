// Kept in step with package.json by test/cli/language-commands.test.ts (the bundle cannot read package.json at run time
// without knowing where it was installed).
export const VERSION = '0.1.0';
