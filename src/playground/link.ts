// A design in a link: the text of the playground's editor lives in the URL's fragment, so copying the address
// shares it (the fragment never reaches a server). Three forms are read:
//
//   #code=<base64url of the raw-DEFLATE of the UTF-8 text>   what the page writes (a 2 kB example is ~1 kB)
//   #text=<the text, percent-encoded>                         hand-written links
//   #example=<file name>                                      an example as it ships (`#example=nasfpn.fpn`)
//
// What a link holds is text and nothing else: the page puts it into the editor, never into markup.

export type LinkContent = { kind: 'text'; text: string } | { kind: 'example'; name: string };

const CODE = 'code';
const TEXT = 'text';
const EXAMPLE = 'example';

/** The fragment (with its `#`) that holds `text`. */
export async function fragmentOf(text: string): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'));
  return `#${CODE}=${toBase64Url(packed)}`;
}

/** What a fragment holds; null when it holds nothing the playground reads (or is damaged). */
export async function readFragment(fragment: string): Promise<LinkContent | null> {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  try {
    const code = params.get(CODE);
    if (code !== null) return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(await pipe(fromBase64Url(code), new DecompressionStream('deflate-raw'))) };
    const text = params.get(TEXT);
    if (text !== null) return { kind: 'text', text };
    const example = params.get(EXAMPLE);
    if (example !== null) return { kind: 'example', name: example };
  } catch {
    // A truncated or edited link: the page says so and opens the default example.
  }
  return null;
}

async function pipe(bytes: Uint8Array<ArrayBuffer>, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
