// Test helpers for the diagram views: a small reader for the data-* structure of an SVG. (Checked examples and
// generated pyramids are in test/helpers.)

/** Every element carrying `attribute`, with all its attributes (a regex reader: the writer's output is regular). */
export function elementsWith(svg: string, attribute: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const match of svg.matchAll(/<[a-z]+((?:\s+[a-zA-Z-]+="[^"]*")*)\s*\/?>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of match[1].matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    if (attribute in attrs) found.push(attrs);
  }
  return found;
}
