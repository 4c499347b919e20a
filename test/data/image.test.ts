// Decoding errors name the file and say what is wrong with it, also when libvips' own message is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/data/image.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-data-image-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeImage', () => {
  it('a PNG cut before its IEND chunk is a truncated PNG; the whole file decodes', async () => {
    const png = readFileSync('test/fixtures/data/good/x/b.png');
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, png.subarray(0, png.length - 20));
    await expect(decodeImage(cut)).rejects.toThrow(`${cut}: cannot decode image: truncated PNG (the file ends before its IEND chunk)`);
    const whole = join(dir, 'whole.png');
    writeFileSync(whole, png);
    expect((await decodeImage(whole)).data.length).toBeGreaterThan(0);
  });

  it('a file shorter than any header is not called truncated', async () => {
    const tiny = join(dir, 'tiny.jpg');
    writeFileSync(tiny, Buffer.from([0xff]));
    await expect(decodeImage(tiny)).rejects.toThrow(/cannot decode image: (?!truncated)/);
  });
});
