// The one SHA-256 of the structural hash (src/util/sha256.ts), against Node's crypto: the CLI used node:crypto
// before, so stored hashes (search results, exported runs) must not change; the playground runs the same code
// in a browser (test/playground/browser.test.ts compares a page's hash with the CLI's).
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { sha256Hex } from '../../src/util/sha256.js';
import { Random } from '../../src/util/random.js';

const nodeSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256Hex', () => {
  test('the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  test('every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) expect(sha256Hex('x'.repeat(n)), `length ${n}`).toBe(nodeSha256('x'.repeat(n)));
  });

  test('UTF-8 of any string, lone surrogates as U+FFFD like Node', () => {
    for (const text of ['é', '€', '𝄞 clef', '\u202e', '\ud800', 'a\udc00b', '\0\n\r\u2028', 'P4→P6 ×7 @256']) {
      expect(sha256Hex(text), JSON.stringify(text)).toBe(nodeSha256(text));
    }
  });

  test('random strings, up to several blocks long', () => {
    const random = Random.seeded(25);
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random.float() * 300);
      const text = String.fromCodePoint(...Array.from({ length }, () => (random.float() < 0.8 ? 32 + Math.floor(random.float() * 95) : Math.floor(random.float() * 0x10ffff) & ~0x800)));
      expect(sha256Hex(text)).toBe(nodeSha256(text));
    }
  });
});
