/**
 * Errors: what host calls throw, and how any thrown value becomes the error string a world's export returns.
 * @module
 */

/** Longest error text the SDK hands back to the host (the host caps it at 4096 bytes as well). */
export const MAX_ERROR_TEXT = 3000;

/** Stack frames kept in an error's text. */
export const MAX_FRAMES = 6;

/**
 * An error a host call returned: `kind` is the WIT `error` case (`not-found`, `denied`, `invalid`, `limit`,
 * `other`), `message` the host's words.
 */
export class HostError extends Error {
  /**
   * @param {string} kind the WIT error case
   * @param {string} message the host's message
   */
  constructor(kind, message) {
    super(message);
    /** @type {string} */
    this.name = 'HostError';
    /** The WIT error case: `not-found`, `denied`, `invalid`, `limit` or `other`. */
    this.kind = kind;
  }
}

/**
 * Turns what a generated binding threw (a `ComponentError` whose `payload` is the WIT variant `{tag, val}`) into
 * `make(tag, val)`; anything else is thrown again unchanged.
 * @template T
 * @param {() => T} call the binding call
 * @param {(tag: string, val: any) => Error} make builds the SDK's error
 * @returns {T}
 */
export function hostCall(call, make) {
  try {
    return call();
  } catch (e) {
    const payload = e !== null && typeof e === 'object' && 'payload' in e ? e.payload : undefined;
    if (payload !== null && typeof payload === 'object' && typeof payload.tag === 'string') {
      throw make(payload.tag, payload.val);
    }
    throw e;
  }
}

/**
 * {@link hostCall} for calls whose error is the shared WIT `error` variant: throws {@link HostError}.
 * @template T
 * @param {() => T} call the binding call
 * @returns {T}
 */
export function host(call) {
  return hostCall(call, (tag, val) => new HostError(tag, String(val ?? tag)));
}

/**
 * Maps a generated bundle's `line` to the source file and line it came from, through the table `aigc-host build`
 * appends to the bundle (`globalThis.__aigcLines`); null without one.
 * @param {number} line 1-based line in the bundle
 * @returns {string | null} `file:line`
 */
function sourceLine(line) {
  const table = globalThis.__aigcLines;
  if (!table || !Array.isArray(table.lines)) return null;
  const entry = table.lines[line - 1];
  if (!Array.isArray(entry)) return null;
  const file = table.sources[entry[0]];
  return file === undefined ? null : `${file}:${entry[1]}`;
}

/**
 * One stack frame shortened: `fn (src/index.js:12)`. SpiderMonkey writes frames as `fn@path:line:col`.
 * @param {string} frame
 * @returns {string | null} null for the SDK's own frames and empty lines
 */
function shortFrame(frame) {
  const match = /^(.*?)@(.*?):(\d+):(\d+)$/.exec(frame.trim());
  if (!match) return frame.trim() || null;
  const [, fn, path, line] = match;
  // The component's generated bindings call the plugin; their frames say nothing to its author.
  if (path.endsWith('initializer.js')) return null;
  const mapped = sourceLine(Number(line));
  const where = mapped ?? `${path.split('/').pop()}:${line}`;
  if (where.includes('sdk/lib/') || where.includes('@aigc/sdk')) return null;
  return `${fn || '(module)'} (${where})`;
}

/**
 * Runs of one frame (a deep recursion) as one line with its count.
 * @param {string[]} frames
 * @returns {string[]}
 */
function collapse(frames) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j < frames.length && frames[j] === frames[i]) j++;
    out.push(j - i > 1 ? `${frames[i]} ×${j - i}` : frames[i]);
    i = j;
  }
  return out;
}

/**
 * Text of something thrown, for the error string a world's export returns: the message (with the host error's
 * kind, or the error's class when it is not a plain `Error`) and up to {@link MAX_FRAMES} frames of the stack,
 * mapped to source lines when the build left a line table, the whole at most {@link MAX_ERROR_TEXT} characters.
 * Never a bare "unexpected": a thrown non-Error value is shown as it is.
 * @param {unknown} e the thrown value
 * @returns {string}
 */
export function describeError(e) {
  let text;
  if (e instanceof Error) {
    const kind = e instanceof HostError ? `${e.kind}: ` : '';
    const name = e.name && e.name !== 'Error' && !kind ? `${e.name}: ` : '';
    text = `${name}${kind}${e.message || '(no message)'}`;
    const frames = collapse(
      String(e.stack ?? '')
        .split('\n')
        .map(shortFrame)
        .filter((f) => f !== null),
    ).slice(0, MAX_FRAMES);
    if (frames.length > 0) text += `\n  at ${frames.join('\n  at ')}`;
  } else if (typeof e === 'string') {
    text = e;
  } else {
    text = `a non-Error value was thrown: ${safeString(e)}`;
  }
  if (text.length > MAX_ERROR_TEXT) {
    text = `${text.slice(0, MAX_ERROR_TEXT)}… [${text.length - MAX_ERROR_TEXT} characters more]`;
  }
  return text;
}

/**
 * Any value as short readable text: strings as they are, errors with their message, the rest as JSON
 * (BigInts as numbers, byte arrays by their length), else `String(value)`.
 * @param {unknown} value
 * @returns {string}
 */
export function safeString(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  try {
    const json = JSON.stringify(value, (_key, v) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return `[${v.length} bytes]`;
      return v;
    });
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/**
 * A failed HTTP exchange: `kind` is the WIT `http-error` case (`denied`, `invalid-url`, `timeout`, `too-large`,
 * `connect`, `too-many-redirects`, `not-recorded`, `other`); the message says it in words, as the Rust SDK's
 * `HttpError::describe` does.
 */
export class HttpError extends Error {
  /**
   * @param {string} kind the WIT `http-error` case
   * @param {unknown} detail the case's value (a message, or the cap in bytes for `too-large`)
   */
  constructor(kind, detail) {
    super(describeHttp(kind, detail));
    this.name = 'HttpError';
    /** The WIT `http-error` case. */
    this.kind = kind;
    /** The case's value: the host's message, the cap in bytes (`too-large`), or undefined. */
    this.detail = typeof detail === 'bigint' ? Number(detail) : detail;
  }
}

/**
 * @param {string} kind
 * @param {unknown} detail
 * @returns {string}
 */
function describeHttp(kind, detail) {
  switch (kind) {
    case 'denied': return `denied: ${detail}`;
    case 'invalid-url': return `invalid URL: ${detail}`;
    case 'timeout': return 'timed out';
    case 'too-large': return `larger than the host's cap of ${detail} bytes`;
    case 'connect': return `cannot connect: ${detail}`;
    case 'too-many-redirects': return 'too many redirects';
    case 'not-recorded': return `not in the replay: ${detail}`;
    default: return String(detail ?? kind);
  }
}
