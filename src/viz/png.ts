// PNG output: the SVG rendered by resvg with the DejaVu Sans files the dejavu-fonts-ttf package ships.
// resvg draws no text at all when it finds no font (and says nothing), so system fonts are never relied on.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Paths of the bundled fonts; resolved from the package, so this works from src/ and from the dist/ bundle. */
export function fontFiles(): string[] {
  const packageDir = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(packageDir, 'ttf', f));
}

export async function renderPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
