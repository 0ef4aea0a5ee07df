// Types of @aigc/sdk, the JavaScript SDK for aigc-host plugins. The WIT files in the repository's `wit/` folder are
// the reference for every record.

/** A plugin's log: the host tags each line with the plugin's name and caps how much it may log. */
export namespace log {
  /** Log levels, lowest first. */
  type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Writes `message` at `level`. */
  function log(level: Level, message: string): void;
  /** A trace message (shown with `-vv`). */
  function trace(message: string): void;
  /** A debug message (shown with `-v`). */
  function debug(message: string): void;
  /** An informational message. */
  function info(message: string): void;
  /** A warning: something was skipped or looks wrong, and the run goes on. */
  function warn(message: string): void;
  /** An error message; the run goes on unless the plugin throws. */
  function error(message: string): void;
  /** Progress: `done` of `total` units (null when unknown), with a short status line. */
  function progress(done: number, total?: number | null, message?: string): void;
  /** `console` arguments as one line. */
  function formatArgs(args: unknown[]): string;
  /** Routes `console.*` to the log (done for every plugin before its code runs). */
  function routeConsole(): void;
}

/** The run's configuration: `--set KEY=VALUE`, else package.json's `"aigc".config` defaults. */
export namespace config {
  /** The value of `key`, or null. */
  function get(key: string): string | null;
  /** The value of `key`, or `fallback`. */
  function getOr(key: string, fallback: string): string;
  /** Every key that has a value. */
  function all(): Array<[string, string]>;
  /** The value as a number (Rust `f64` syntax), or `fallback`; other text throws naming the key. */
  function number(key: string, fallback: number): number;
  /** The value as a whole number in `[min, max]` (default a `u32`'s range), or `fallback`. */
  function integer(key: string, fallback: number, range?: { min?: number; max?: number }): number;
  /** The value as exactly `true` or `false`, or `fallback`. */
  function boolean(key: string, fallback: boolean): boolean;
  /** `text` split on commas, trimmed, empty parts dropped. */
  function splitList(text: string): string[];
  /** The value of `key` split on commas. */
  function list(key: string): string[];
  /** Lowercase letters, digits, `-` and `_`, not empty. */
  function isName(text: string): boolean;
  /** The comma list `key` as names; throws on a bad or empty list. */
  function names(key: string): string[];
  /** `entries` as `NAME=QUERY` pairs; throws naming `key` and calling a NAME a `noun`. */
  function parsePairs(key: string, noun: string, entries: string[]): Array<[string, string]>;
  /** The comma list `key` as `NAME=QUERY` pairs. */
  function pairs(key: string, noun: string): Array<[string, string]>;
  /** `[base, origin]` of the http(s) URL in `key` (else `fallback`), trailing slashes dropped. */
  function httpUrl(key: string, fallback: string): [string, string];
}

/** Where an item came from and on what terms it may be used. */
export interface Provenance {
  sourceUrl: string;
  licence?: string;
  licenceUrl?: string;
  author?: string;
  authorUrl?: string;
}

/** A stored file of an item. */
export interface FileInfo {
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
}

/** An item as stored. */
export interface Item {
  id: string;
  sourceKey: string;
  category?: string;
  title?: string;
  provenance: Provenance;
  /** A JSON object as text. */
  metadata: string;
  files: FileInfo[];
  parent?: string;
}

/** The dataset, read-only (crawlers, cleaners, annotators). */
export namespace dataset {
  /** The item with this id. */
  function get(id: string): Item;
  /** The bytes of one file of an item. */
  function readFile(id: string, name: string): Uint8Array;
  /** The text of one file of an item. */
  function readText(id: string, name: string): string;
  /** The id stored under `sourceKey`, or null. */
  function seen(sourceKey: string): string | null;
  /** Every item in id order, optionally of one category. */
  function items(category?: string | null): Generator<Item>;
  /** The file named `name` of `item`, or null. */
  function file(item: Item, name: string): FileInfo | null;
}

/** A file to store with a new item. */
export interface NewFile {
  name: string;
  mediaType: string;
  data: Uint8Array | string;
}

/** An item to store. */
export interface NewItem {
  sourceKey: string;
  category?: string | null;
  title?: string | null;
  provenance: { sourceUrl: string; licence?: string | null; licenceUrl?: string | null; author?: string | null; authorUrl?: string | null };
  metadata?: string | object;
  files?: NewFile[];
  parent?: string | null;
}

/** What a put did. */
export interface PutResult {
  id: string;
  created: boolean;
}

/** Adding items and crawl state (crawlers). */
export namespace collect {
  /** Stores an item durably. */
  function put(item: NewItem): PutResult;
  /** Stores many items at once; one outcome per item, errors not thrown. */
  function putMany(items: NewItem[]): Array<PutResult | HostError>;
  /** A saved value, or null. */
  function state(key: string): string | null;
  /** Saves a small value (64 KiB at most). */
  function setState(key: string, value: string): void;
  /** A JSON value saved with `saveState`, or null. */
  function loadState(key: string): any;
  /** Saves `value` as JSON. */
  function saveState(key: string, value: any): void;
}

/** What to send over HTTP. */
export interface Request {
  url: string;
  method?: 'get' | 'head' | 'post' | 'put' | 'delete' | 'patch' | 'options';
  headers?: Array<[string, string]> | Record<string, string>;
  body?: Uint8Array | string | null;
  timeoutMs?: number | null;
}

/** Outbound HTTP through the host (crawlers). */
export namespace http {
  /** A complete response. */
  class Response {
    status: number;
    headers: Array<[string, string]>;
    body: Uint8Array;
    finalUrl: string;
    /** True for 2xx statuses. */
    readonly ok: boolean;
    /** The first value of header `name`, or null. */
    header(name: string): string | null;
    /** The body as text. */
    text(): string;
    /** The body parsed as JSON. */
    json(): any;
    /** Itself when 2xx, else throws naming the status and URL. */
    errorForStatus(): Response;
  }
  /** Sends one request; throws HttpError when there is no response. */
  function fetch(request: Request | string): Response;
  /** `GET url`. */
  function get(url: string, options?: { headers?: Request['headers']; timeoutMs?: number }): Response;
  /** Many requests at once; one Response or HttpError per request, in order. */
  function fetchAll(requests: Array<Request | string>): Array<Response | HttpError>;
  /** A 2xx answer's body parsed as JSON, else throws. */
  function fetchJson(request: Request | string): any;
}

/** An annotation as stored. */
export interface Annotation {
  key: string;
  value: string;
  score?: number;
  plugin: string;
}

/** Annotations beside items (cleaners, annotators). */
export namespace annotate {
  /** Stores `value` under `key` for the item. */
  function put(itemId: string, key: string, value: string, score?: number | null): void;
  /** Every annotation of the item under `key`. */
  function get(itemId: string, key: string): Annotation[];
}

/** Models the host runs (cleaners, annotators). */
export namespace model {
  function embedImages(model: string, images: Uint8Array[]): ArrayLike<number>[];
  function embedTexts(model: string, texts: string[]): ArrayLike<number>[];
  function similarity(model: string, image: Uint8Array, texts: string[]): ArrayLike<number>;
  function classify(model: string, image: Uint8Array, labels: string[]): ArrayLike<number>;
  function caption(model: string, images: Uint8Array[]): string[];
}

/** Raster images measured by the host. */
export namespace image {
  /** See wit/image.wit. */
  interface Facts {
    format: string;
    width: number;
    height: number;
    hasAlpha: boolean;
    sha256: string;
    brightness: number;
    brightnessP5: number;
    brightnessP99: number;
    contrast: number;
    entropy: number;
    sharpness: number;
    greySpread: number;
    phash: bigint;
  }
  /** One image of a near-duplicate group. */
  interface SimilarImage {
    itemId: string;
    file: string;
    distance: number;
    exact: boolean;
    width: number;
    height: number;
    size: number;
  }
  function measureFile(itemId: string, file: string): Facts;
  function measure(image: Uint8Array): Facts;
  function resize(image: Uint8Array, maxWidth: number, maxHeight: number, encoding?: 'png' | 'webp' | { jpeg: number }): Uint8Array;
  function similar(itemId: string, file: string, maxDistance: number): SimilarImage[];
  function distance(a: bigint, b: bigint): number;
  function isRaster(mediaType: string): boolean;
  function isComparable(mediaType: string): boolean;
}

/** SVG analysis done by the host. */
export namespace svg {
  interface Rgba { r: number; g: number; b: number; a: number }
  interface Rect { x: number; y: number; width: number; height: number }
  interface Options { size: number; maxShapes: number; minArea: number }
  interface TextElement { content: string; fontFamilies: string[]; fontSize: number; bbox?: Rect }
  interface Facts {
    width: number;
    height: number;
    viewBox?: Rect;
    elements: Array<[string, number]>;
    paths: number;
    images: number;
    externalRefs: number;
    texts: TextElement[];
    contentBbox?: Rect;
    colours: Array<{ colour: Rgba; uses: number }>;
    fontsAvailable: boolean;
  }
  interface Shape {
    area: number;
    bbox: Rect;
    cx: number;
    cy: number;
    perimeter: number;
    colour: Rgba;
    holes: Array<{ area: number; bbox: Rect }>;
    encloses: number;
  }
  interface ShapeStats {
    size: number;
    drawn: number;
    fillRatio: number;
    drawnBbox?: Rect;
    components: Shape[];
    componentCount: number;
    regions: Shape[];
    regionCount: number;
    spread: number;
  }
  interface Analysis { facts: Facts; stats: ShapeStats }
  const WHITE: Rgba;
  const DEFAULT_OPTIONS: Options;
  function rasterize(svg: Uint8Array | string, size: number, background?: Rgba | null): Uint8Array;
  function rasterizeFile(itemId: string, file: string, size: number, background?: Rgba | null): Uint8Array;
  function describe(svg: Uint8Array | string): Facts;
  function analyze(svg: Uint8Array | string, options?: Partial<Options>): Analysis;
  function analyzeFile(itemId: string, file: string, options?: Partial<Options>): Analysis;
  function isSvg(mediaType: string, name: string): boolean;
}

/** 3D models measured by the host (cleaners). */
export namespace mesh {
  /** See wit/mesh.wit (`model-facts`). */
  function facts(itemId: string): any;
  function isModelFile(name: string): boolean;
}

/** A file or folder of a submission. */
export interface Entry {
  path: string;
  size: number;
  isDir: boolean;
}

/** The submission being graded (graders). */
export namespace submission {
  function name(): string;
  function entries(): Entry[];
  function stat(path: string): Entry;
  function read(path: string): Uint8Array;
  function readText(path: string): string;
  function readRange(path: string, offset: number, length: number): Uint8Array;
}

/** Helpers with no host calls. */
export namespace web {
  function origin(url: string): string | null;
  function encode(value: string): string;
  function sniff(bytes: Uint8Array): [string, string] | null;
  function sniffOnly(bytes: Uint8Array, extensions: string[]): [string, string] | null;
}

/** An error a host call returned. */
export class HostError extends Error {
  /** `not-found`, `denied`, `invalid`, `limit` or `other`. */
  kind: 'not-found' | 'denied' | 'invalid' | 'limit' | 'other';
  constructor(kind: string, message: string);
}

/** A failed HTTP exchange. */
export class HttpError extends Error {
  kind: 'denied' | 'invalid-url' | 'timeout' | 'too-large' | 'connect' | 'too-many-redirects' | 'not-recorded' | 'other';
  detail: string | number | undefined;
  constructor(kind: string, detail: unknown);
}

/** What a thrown value becomes in the error string the host receives. */
export function describeError(e: unknown): string;

/** A cleaner's judgement. */
export interface Verdict {
  keep: boolean;
  reason: string;
  score?: number | null;
}

/** One check a grader made. */
export interface Check {
  name: string;
  passed: boolean;
  points: number;
  maxPoints: number;
  message: string;
}

/** A verdict keeping the item. */
export function keep(reason: string, score?: number | null): Verdict;
/** A verdict dropping the item. */
export function drop(reason: string, score?: number | null): Verdict;
/** A passed check with full points. */
export function passed(name: string, maxPoints: number, message: string): Check;
/** A failed check with `points` of partial credit. */
export function failed(name: string, maxPoints: number, message: string, points?: number): Check;

/** The WIT package this SDK speaks. */
export const WIT_PACKAGE: 'aigc:plugin@0.1.0';
