/**
 * Small helpers crawlers need, as in the Rust SDK's `web` module: URL origins, query encoding and telling file
 * types by their bytes. No host calls.
 * @module
 */

/**
 * `scheme://host[:port]` of an http(s) URL, lowercased; null for anything odd (user info, backslashes,
 * whitespace, control characters).
 * @param {string} url
 * @returns {string | null}
 */
export function origin(url) {
  const at = url.indexOf('://');
  if (at < 0) return null;
  const scheme = url.slice(0, at).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  if (/[\\\s\u0000-\u001f\u007f-\u009f]/u.test(url)) return null;
  const rest = url.slice(at + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if (authority.length === 0 || authority.includes('@')) return null;
  return `${scheme}://${authority.toLowerCase()}`;
}

/**
 * Percent-encodes a query value: letters, digits and `-._~` stay, every other UTF-8 byte becomes `%XX`.
 * @param {string} value
 * @returns {string}
 */
export function encode(value) {
  let out = '';
  for (const b of new TextEncoder().encode(value)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A file's type judged by its first bytes: `[extension, mediaType]` for JPEG, PNG, GIF, WebP, GLB, zip and SVG,
 * null for anything else.
 * @param {Uint8Array} bytes
 * @returns {[string, string] | null}
 */
export function sniff(bytes) {
  const starts = (/** @type {number[]} */ sig) => sig.every((b, i) => bytes[i] === b);
  const ascii = (/** @type {string} */ s) => [...s].map((c) => c.charCodeAt(0));
  if (starts([0xff, 0xd8, 0xff])) return ['jpg', 'image/jpeg'];
  if (starts([0x89, ...ascii('PNG\r\n\x1a\n')])) return ['png', 'image/png'];
  if (starts(ascii('GIF87a')) || starts(ascii('GIF89a'))) return ['gif', 'image/gif'];
  if (bytes.length >= 12 && starts(ascii('RIFF')) && ascii('WEBP').every((b, i) => bytes[8 + i] === b)) return ['webp', 'image/webp'];
  if (starts(ascii('glTF'))) return ['glb', 'model/gltf-binary'];
  if (starts(ascii('PK\x03\x04'))) return ['zip', 'application/zip'];
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return ['svg', 'image/svg+xml'];
  return null;
}

/**
 * {@link sniff}, keeping only the types whose extension is one of `extensions`.
 * @param {Uint8Array} bytes
 * @param {string[]} extensions
 * @returns {[string, string] | null}
 */
export function sniffOnly(bytes, extensions) {
  const found = sniff(bytes);
  return found !== null && extensions.includes(found[0]) ? found : null;
}
