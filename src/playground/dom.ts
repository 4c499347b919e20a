// Building the page's DOM from text that came from a link or a file, which may hold anything (`<img onerror=…>`,
// `</script>`): every piece of it goes in as a text node (textContent), never through innerHTML or a template of
// markup. The drawings are the one piece of markup, and they are the CLI's own SVG (every text in it escaped
// by the drawer, src/viz/svg.ts); they are parsed as XML and checked to hold drawing elements only before they
// are shown. The page's Content-Security-Policy (no inline script, nothing from elsewhere) is the second wall.

type Child = Node | string | null | undefined | false;

/** An element with attributes (set as attributes, never as markup) and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/**
 * The service's hover Markdown as DOM: the subset it writes (paragraphs, `- ` lists, **bold**, `code`), each
 * run of text a text node; anything else shows as the characters it is.
 */
export function markdownNodes(markdown: string): Node[] {
  const blocks: Node[] = [];
  let list: HTMLUListElement | null = null;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('- ')) {
      list ??= h('ul');
      list.append(h('li', {}, ...inline(line.slice(2))));
      if (!blocks.includes(list)) blocks.push(list);
      continue;
    }
    list = null;
    if (line.trim() !== '') blocks.push(h('p', {}, ...inline(line)));
  }
  return blocks;
}

function inline(text: string): Node[] {
  const nodes: Node[] = [];
  const pattern = /\*\*(.+?)\*\*|`([^`]+)`/g;
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > at) nodes.push(document.createTextNode(text.slice(at, match.index)));
    nodes.push(match[1] !== undefined ? h('strong', {}, match[1]) : h('code', {}, match[2]));
    at = match.index + match[0].length;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

/** What a drawing may contain: the elements src/viz writes, and no event handler or link out. */
const DRAWING_ELEMENTS = new Set(['svg', 'title', 'desc', 'defs', 'marker', 'g', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'path', 'text', 'tspan']);

/**
 * One of the CLI's SVG drawings as an element of this page. Throws when the text is not well-formed SVG or holds
 * anything but drawing elements (a script, a foreign object, an event handler, a link): the drawer never writes
 * those, so that would be a bug, shown as one rather than inserted.
 */
export function svgElement(svg: string): SVGSVGElement {
  const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = parsed.documentElement;
  if (parsed.getElementsByTagName('parsererror').length > 0 || root.localName !== 'svg') throw new Error('internal error: the drawing is not well-formed SVG');
  for (const element of [root, ...Array.from(root.getElementsByTagName('*'))]) {
    if (!DRAWING_ELEMENTS.has(element.localName)) throw new Error(`internal error: the drawing holds a <${element.localName}> element`);
    for (const attribute of Array.from(element.attributes)) {
      if (/^on/i.test(attribute.name) || /href$/i.test(attribute.name)) throw new Error(`internal error: the drawing holds a ${attribute.name} attribute`);
    }
  }
  return document.importNode(root, true) as unknown as SVGSVGElement;
}
