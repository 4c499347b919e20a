// The protobuf writer and the SavedModel messages, byte by byte against hand-encoded protobuf (no TensorFlow
// needed): varints (negative int64 in ten bytes), floats, nested messages whose length needs one, two or three
// bytes (the writer moves them down after reserving five), maps, and a NodeDef as TensorFlow encodes it.
// And the SavedModel cache: an entry is built once, reused, rebuilt when damaged, and the oldest are pruned.
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CACHE_ENTRIES, cachedGraph, cacheKey, cacheRoot } from '../../src/graph/cache.js';
import { Writer } from '../../src/graph/protobuf.js';
import { MANIFEST_FILE } from '../../src/graph/saved-model.js';
import { encodeSavedModel } from '../../src/graph/tfproto.js';
import type { BuiltProgram } from '../../src/graph/train-program.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-graph-proto-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('the protobuf writer', () => {
  test('varints, negative varints, booleans and floats', () => {
    expect(hex(new Writer().varint(1, 150).toBytes())).toBe('089601');
    expect(hex(new Writer().varint(3, -1).toBytes())).toBe('18ffffffffffffffffff01');
    expect(hex(new Writer().varint(5, true).varintIfSet(6, 0).toBytes())).toBe('2801');
    expect(hex(new Writer().float(4, 1.5).toBytes())).toBe('250000c03f');
  });

  test('nested messages of every length size are moved down over the room left for their length', () => {
    for (const length of [3, 200, 20_000]) {
      const payload = new Uint8Array(length).fill(7);
      const bytes = new Writer().message(2, (m) => m.bytes(1, payload)).varint(3, 1).toBytes();
      const inner = [0x0a, ...varint(length), ...payload];
      expect(hex(bytes)).toBe(hex(Uint8Array.from([0x12, ...varint(inner.length), ...inner, 0x18, 0x01])));
    }
  });

  test('a NodeDef as TensorFlow writes it: name, op, inputs, then the attributes sorted by key', () => {
    const bytes = encodeSavedModel([{
      tags: ['serve'], signatures: {},
      nodes: [{ name: 'a', op: 'Identity', inputs: ['x', '^y'], attrs: { T: { kind: 'type', value: 'float32' } } }],
    }]);
    const node = '0a0161' + '120849' + hex(Buffer.from('dentity')) + '1a0178' + '1a025e79' + '2a07' + '0a0154' + '12023001';
    expect(hex(bytes)).toContain(node);
    expect(hex(bytes.subarray(0, 2))).toBe('0801'); // saved_model_schema_version 1
  });
});

function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) out.push((value % 0x80) | 0x80);
  out.push(value);
  return out;
}

describe('the SavedModel cache', () => {
  const program = (tag: string): BuiltProgram => ({
    bytes: Uint8Array.from([1, 2, 3]), nodeCount: 1, manifest: { format: 1, signatures: {}, variables: {}, about: { tag } },
  });

  test('lives under NASFPN_CACHE_DIR, else XDG_CACHE_HOME/nasfpn, else ~/.cache/nasfpn', () => {
    expect(cacheRoot({ NASFPN_CACHE_DIR: '/c' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'nasfpn'));
    expect(cacheRoot({})).toMatch(/\.cache[\\/]nasfpn$/);
  });

  test('builds an entry once, reuses it, and builds a damaged one again', () => {
    const root = join(scratch, 'reuse');
    let builds = 0;
    const build = () => { builds++; return program('first'); };
    const first = cachedGraph({ model: 'm' }, build, root);
    expect(first.built).toBe(true);
    const again = cachedGraph({ model: 'm' }, build, root);
    expect([again.built, again.dir, builds]).toEqual([false, first.dir, 1]);
    expect(cacheKey({ model: 'm' })).not.toBe(cacheKey({ model: 'n' }));
    writeFileSync(join(first.dir, MANIFEST_FILE), '{ cut sho');
    expect(cachedGraph({ model: 'm' }, build, root).built).toBe(true);
    expect(builds).toBe(2);
  });

  test(`keeps the ${CACHE_ENTRIES} most recently used entries`, () => {
    const root = join(scratch, 'prune');
    const old = cachedGraph({ model: 0 }, () => program('0'), root).dir;
    utimesSync(old, new Date(2000, 0, 1), new Date(2000, 0, 1));
    for (let i = 1; i <= CACHE_ENTRIES; i++) cachedGraph({ model: i }, () => program(String(i)), root);
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(join(root, 'graphs')).length).toBe(CACHE_ENTRIES);
  });
});
