// The examples the page offers (examples/*.fpn, file name → text): a module the playground's build makes
// (scripts/bundle-options.mjs), so the page carries them without fetching anything.
declare module 'nasfpn:examples' {
  const examples: Readonly<Record<string, string>>;
  export default examples;
}
