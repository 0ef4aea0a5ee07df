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
  /** One L2-normalised embedding per image (encoded PNG, JPEG, WebP or GIF bytes). */
  function embedImages(model: string, images: Uint8Array[]): ArrayLike<number>[];
  /** One L2-normalised embedding per text. */
  function embedTexts(model: string, texts: string[]): ArrayLike<number>[];
  /** Cosine similarity of the image to each text, in [-1, 1]. */
  function similarity(model: string, image: Uint8Array, texts: string[]): ArrayLike<number>;
  /** Zero-shot classification: a probability per label. */
  function classify(model: string, image: Uint8Array, labels: string[]): ArrayLike<number>;
  /** A caption per image from a captioning model. */
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
  /** The facts of one stored file of an item, measured in the host. */
  function measureFile(itemId: string, file: string): Facts;
  /** The facts of encoded image bytes. */
  function measure(image: Uint8Array): Facts;
  /** The image scaled to fit (never enlarged) and encoded as 'png', 'webp' or {jpeg: quality}. */
  function resize(image: Uint8Array, maxWidth: number, maxHeight: number, encoding?: 'png' | 'webp' | { jpeg: number }): Uint8Array;
  /** The near-duplicate group of this file in the dataset, itself included. */
  function similar(itemId: string, file: string, maxDistance: number): SimilarImage[];
  /** Bits in which two perceptual hashes differ. */
  function distance(a: bigint, b: bigint): number;
  /** Whether a media type is one the host decodes. */
  function isRaster(mediaType: string): boolean;
  /** Whether `similar` can compare a file of this media type. */
  function isComparable(mediaType: string): boolean;
}

/** SVG analysis done by the host. */
export namespace svg {
  /** The WIT record `Rgba` (see the wit/ folder). */
  interface Rgba { r: number; g: number; b: number; a: number }
  /** The WIT record `Rect` (see the wit/ folder). */
  interface Rect { x: number; y: number; width: number; height: number }
  /** The WIT record `Options` (see the wit/ folder). */
  interface Options { size: number; maxShapes: number; minArea: number }
  /** The WIT record `TextElement` (see the wit/ folder). */
  interface TextElement { content: string; fontFamilies: string[]; fontSize: number; bbox?: Rect }
  /** The WIT record `Facts` (see the wit/ folder). */
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
  /** The WIT record `Shape` (see the wit/ folder). */
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
  /** The WIT record `ShapeStats` (see the wit/ folder). */
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
  /** The WIT record `Analysis` (see the wit/ folder). */
  interface Analysis { facts: Facts; stats: ShapeStats }
  /** Opaque white, the usual background for a model input. */
  const WHITE: Rgba;
  /** 256 px, 32 shapes per list, specks under 4 px ignored. */
  const DEFAULT_OPTIONS: Options;
  /** A PNG of the SVG fitted into a size x size square, transparent or on `background`. */
  function rasterize(svg: Uint8Array | string, size: number, background?: Rgba | null): Uint8Array;
  /** `rasterize` on an item's file, read by the host. */
  function rasterizeFile(itemId: string, file: string, size: number, background?: Rgba | null): Uint8Array;
  /** What the SVG document says, without rendering. */
  function describe(svg: Uint8Array | string): Facts;
  /** Facts and shape statistics; options default to DEFAULT_OPTIONS. */
  function analyze(svg: Uint8Array | string, options?: Partial<Options>): Analysis;
  /** `analyze` on an item's file, read by the host. */
  function analyzeFile(itemId: string, file: string, options?: Partial<Options>): Analysis;
  /** Whether a file looks like an SVG, by media type or name. */
  function isSvg(mediaType: string, name: string): boolean;
}

/** 3D models measured by the host (cleaners). */
export namespace mesh {
  /** See wit/mesh.wit (`model-facts`). */
  function facts(itemId: string): any;
  /** True when a file name says it may hold a model (.glb, .gltf, .obj, .zip). */
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
  /** The submission's name as given to the grader. */
  function name(): string;
  /** Every file and folder in the submission. */
  function entries(): Entry[];
  /** The entry at `path`; throws HostError `not-found` when there is none. */
  function stat(path: string): Entry;
  /** The bytes of one file (the host caps the size). */
  function read(path: string): Uint8Array;
  /** The text of one file (UTF-8, invalid bytes replaced). */
  function readText(path: string): string;
  /** Up to `length` bytes of a file from `offset`. */
  function readRange(path: string, offset: number, length: number): Uint8Array;
}

/** Helpers with no host calls. */
export namespace web {
  /** `scheme://host[:port]` of an http(s) URL, lowercased; null for anything odd. */
  function origin(url: string): string | null;
  /** Percent-encodes a query value (letters, digits and -._~ stay). */
  function encode(value: string): string;
  /** A file type judged by its first bytes: [extension, mediaType], or null. */
  function sniff(bytes: Uint8Array): [string, string] | null;
  /** `sniff`, keeping only the given extensions. */
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
export const WIT_PACKAGE: 'aigc:plugin@0.1.1';
