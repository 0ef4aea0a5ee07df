/**
 * Outbound HTTP through the host (WIT `http`, crawlers only), checked against the plugin's grants on every request
 * and redirect. Failures throw {@link HttpError}; a response with any status is returned as a {@link Response}.
 * @module
 */

import * as raw from 'aigc:plugin/http@0.1.1';
import { HttpError, hostCall } from './errors.js';

/**
 * What to send. Only `url` is required.
 * @typedef {object} Request
 * @property {string} url an absolute http or https URL
 * @property {'get'|'head'|'post'|'put'|'delete'|'patch'|'options'} [method] default `get`
 * @property {Array<[string, string]> | Record<string, string>} [headers]
 * @property {Uint8Array | string | null} [body] a string is sent as UTF-8
 * @property {number | null} [timeoutMs] time for the whole exchange; the host caps it
 */

/** A complete HTTP response. */
export class Response {
  /**
   * @param {{status: number, headers: Array<[string, string]>, body: Uint8Array, finalUrl: string}} raw
   */
  constructor({ status, headers, body, finalUrl }) {
    /** The status code. */
    this.status = status;
    /** Header name/value pairs as received. @type {Array<[string, string]>} */
    this.headers = headers;
    /** The whole body. @type {Uint8Array} */
    this.body = body;
    /** The URL that answered, after redirects. */
    this.finalUrl = finalUrl;
  }

  /** True for 2xx statuses. */
  get ok() {
    return this.status >= 200 && this.status < 300;
  }

  /**
   * The first value of header `name` (case-insensitive), or null.
   * @param {string} name
   * @returns {string | null}
   */
  header(name) {
    const lower = name.toLowerCase();
    const found = this.headers.find(([n]) => n.toLowerCase() === lower);
    return found ? found[1] : null;
  }

  /** The body as text (invalid UTF-8 replaced). @returns {string} */
  text() {
    return new TextDecoder().decode(this.body);
  }

  /** The body parsed as JSON; an error names the URL. @returns {any} */
  json() {
    try {
      return JSON.parse(this.text());
    } catch (e) {
      throw new Error(`response from ${this.finalUrl} is not the JSON expected: ${e instanceof Error ? e.message : e}`);
    }
  }

  /** The response itself when its status is 2xx, else an error naming the status and URL. @returns {Response} */
  errorForStatus() {
    if (!this.ok) throw new Error(`HTTP ${this.status} from ${this.finalUrl}`);
    return this;
  }
}

/**
 * @param {Request | string} request
 * @returns {object} the binding's request record
 */
function toRaw(request) {
  const r = typeof request === 'string' ? { url: request } : request;
  if (!r || typeof r.url !== 'string') throw new TypeError('a request needs a `url` string');
  const headers = Array.isArray(r.headers) ? r.headers : Object.entries(r.headers ?? {});
  const body = r.body === undefined || r.body === null ? undefined : typeof r.body === 'string' ? new TextEncoder().encode(r.body) : r.body;
  return {
    method: r.method ?? 'get',
    url: r.url,
    headers: headers.map(([n, v]) => [String(n), String(v)]),
    body,
    timeoutMs: r.timeoutMs ?? undefined,
  };
}

const fail = (/** @type {string} */ tag, /** @type {unknown} */ val) => new HttpError(tag, val);

/**
 * Sends one request and waits for the whole response; throws {@link HttpError} when there is none.
 * @param {Request | string} request
 * @returns {Response}
 */
export function fetch(request) {
  return new Response(hostCall(() => raw.fetch(toRaw(request)), fail));
}

/**
 * `GET url`, with optional headers and timeout.
 * @param {string} url
 * @param {{headers?: Array<[string, string]> | Record<string, string>, timeoutMs?: number}} [options]
 * @returns {Response}
 */
export function get(url, options = {}) {
  return fetch({ url, ...options });
}

/**
 * Sends many requests concurrently (the host decides how many go out at once); one outcome per request, in
 * order: a {@link Response}, or the {@link HttpError} that request failed with (not thrown).
 * @param {Array<Request | string>} requests
 * @returns {Array<Response | HttpError>}
 */
export function fetchAll(requests) {
  return raw.fetchAll(requests.map(toRaw)).map((/** @type {any} */ r) => {
    if (r && r.tag === 'ok') return new Response(r.val);
    if (r && r.tag === 'err') return new HttpError(r.val.tag, r.val.val);
    return new Response(r);
  });
}

/**
 * Sends `request` with `accept: application/json` and parses a 2xx answer's body; otherwise throws, naming the
 * status or the HTTP error.
 * @param {Request | string} request
 * @returns {any}
 */
export function fetchJson(request) {
  const r = typeof request === 'string' ? { url: request } : request;
  const headers = Array.isArray(r.headers) ? r.headers : Object.entries(r.headers ?? {});
  return fetch({ ...r, headers: [...headers, ['accept', 'application/json']] }).errorForStatus().json();
}
