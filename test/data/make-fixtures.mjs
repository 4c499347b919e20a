// Makes test/fixtures/data/<case>/: tiny COCO folders with one problem each (run from the repository root:
// node test/data/make-fixtures.mjs; the expected.txt goldens are then rewritten by vitest -u).
import sharp from 'sharp';
import { mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const base = 'test/fixtures/data';
rmSync(base, { recursive: true, force: true });
let state = 1;
const noise = Uint8Array.from({ length: 32 * 24 * 3 }, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) >> 16) & 255);
const jpeg = await sharp(noise, { raw: { width: 32, height: 24, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 10, g: 160, b: 90 } } }).png().toBuffer();
const categories = [{ id: 1, name: 'person', supercategory: 'person' }, { id: 3, name: 'car', supercategory: 'vehicle' }];
const images = [
  { id: 1, file_name: 'a.jpg', width: 32, height: 24 },
  { id: 2, file_name: 'b.png', width: 20, height: 20 },
];
const annotations = [
  { id: 1, image_id: 1, category_id: 1, bbox: [2, 3, 10, 8], area: 80, iscrowd: 0 },
  { id: 2, image_id: 1, category_id: 3, bbox: [20, 10, 12, 14], area: 168, iscrowd: 0 },
  { id: 3, image_id: 2, category_id: 3, bbox: [0, 0, 20, 20], area: 400, iscrowd: 1 },
];
function write(name, { imgs = images, anns = annotations, files = { 'a.jpg': jpeg, 'b.png': png } } = {}) {
  const dir = join(base, name);
  mkdirSync(join(dir, 'annotations'), { recursive: true });
  mkdirSync(join(dir, 'x'), { recursive: true });
  writeFileSync(join(dir, 'annotations', 'instances_x.json'), JSON.stringify({ images: imgs, annotations: anns, categories }, null, 1) + '\n');
  for (const [f, data] of Object.entries(files)) writeFileSync(join(dir, 'x', f), data);
}
const withAnn = (i, patch) => annotations.map((a, k) => (k === i ? { ...a, ...patch } : a));
write('good');
write('truncated-jpeg', { files: { 'a.jpg': jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'b.png': png } });
write('not-an-image', { files: { 'a.jpg': Buffer.from('this is not a JPEG\n'), 'b.png': png } });
write('missing-image', { files: { 'a.jpg': jpeg } });
write('image-size', { imgs: [images[0], { ...images[1], width: 40 }] });
write('negative-bbox', { anns: withAnn(1, { bbox: [20, 10, -12, 14] }) });
write('outside-bbox', { anns: withAnn(1, { bbox: [40, 30, 5, 5] }) });
write('clipped-bbox', { anns: withAnn(1, { bbox: [20, 10, 20, 20] }) });
write('zero-size-bbox', { anns: withAnn(0, { bbox: [2, 3, 0, 8] }) });
write('duplicate-image-id', { imgs: [images[0], { ...images[1], id: 1 }], anns: withAnn(2, { image_id: 1, bbox: [0, 0, 20, 20] }) });
write('unknown-category', { anns: withAnn(2, { category_id: 7 }) });
write('duplicate-annotation-id', { anns: withAnn(2, { id: 2 }) });
// One path that climbs out of the folder, one absolute: both refused (and not opened) unless allowed.
write('outside-path', { imgs: [{ ...images[0], file_name: '../../good/x/a.jpg' }, { ...images[1], file_name: '/etc/hostname' }], files: { 'b.png': png } });
write('many-problems', {
  imgs: [images[0], images[1], { id: 3, file_name: 'c.jpg', width: 32, height: 24 }, { id: 4, file_name: 'd.jpg', width: 32, height: 24 }],
  anns: [...withAnn(0, { bbox: [2, 3, 0, 8] }), { id: 4, image_id: 3, category_id: 1, bbox: [1, 1, -3, 4], area: 1, iscrowd: 0 }],
  files: { 'a.jpg': jpeg, 'b.png': png, 'c.jpg': jpeg.subarray(0, 200) },
});
console.log('ok');
