// A tiny SVG writer: elements as strings, attributes in insertion order, numbers in one fixed format.
// Everything a view emits goes through here, so the same input always gives byte-identical output; text
// (names, captions, paths) is escaped by src/util/escape.ts.
import { escapeXml } from '../util/escape.js';

export type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue>;

/** Numbers with at most two decimals, no exponent, no negative zero: the one format every coordinate uses. */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`svg: non-finite number ${x}`);
  const rounded = Math.round(x * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

function attrString(attrs: Attrs): string {
  let out = '';
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    const text = value === true ? key : typeof value === 'number' ? num(value) : escapeXml(value);
    out += ` ${key}="${text}"`;
  }
  return out;
}

/** One element; children are already-rendered strings (or text, when `textContent` is used). */
export function el(tag: string, attrs: Attrs = {}, children: string | string[] = []): string {
  const body = Array.isArray(children) ? children.join('') : children;
  return body === '' ? `<${tag}${attrString(attrs)}/>` : `<${tag}${attrString(attrs)}>${body}</${tag}>`;
}

/** An element holding escaped text. */
export function textEl(tag: string, attrs: Attrs, content: string): string {
  return `<${tag}${attrString(attrs)}>${escapeXml(content)}</${tag}>`;
}

/** Group with one child per line, so goldens diff readably. */
export function group(attrs: Attrs, children: string[]): string {
  if (children.length === 0) return el('g', attrs);
  return `<g${attrString(attrs)}>\n${children.join('\n')}\n</g>`;
}

export interface DocumentParts {
  width: number;
  height: number;
  title: string;
  desc: string;
  background: string;
  fontFamily: string;
  /** Rendered <defs> children (markers). */
  defs: string[];
  body: string[];
}

/** A standalone SVG document: inline presentation attributes only, no external CSS or fonts to fetch. */
export function svgDocument(parts: DocumentParts): string {
  const { width, height } = parts;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}"` +
      ` role="img" aria-labelledby="title desc" font-family="${escapeXml(parts.fontFamily)}">`,
    textEl('title', { id: 'title' }, parts.title),
    textEl('desc', { id: 'desc' }, parts.desc),
  ];
  if (parts.defs.length) lines.push(`<defs>\n${parts.defs.join('\n')}\n</defs>`);
  lines.push(el('rect', { x: 0, y: 0, width, height, fill: parts.background }));
  lines.push(...parts.body);
  lines.push('</svg>');
  return lines.join('\n') + '\n';
}
