// The `default` of an exhaustive switch. Its parameter type is `never`, so a switch that misses a case of its
// union (a new op kind, layer kind, pyramid kind…) no longer compiles: the compiler lists every place to extend.
// At run time it is reached only through data that bypassed the types (a hand-edited JSON IR, say).
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`internal error: unhandled ${what} ${JSON.stringify(value)}`);
}
