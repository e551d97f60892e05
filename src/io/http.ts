// http(s) and relative URLs through fetch (tfjs' http handler, loading only): model.json, then the
// shards its manifest names, resolved against model.json's URL and kept inside its folder.
import { FormatError, ValueError, show } from "../errors.js";
import type { LoadHandler, ModelArtifacts } from "./artifacts.js";
import { checkModelJson, manifestPaths, MAX_MODEL_JSON_BYTES, modelJsonToArtifacts, parseModelJson } from "./model_json.js";
import { dirnameOf, safeRelativePath } from "./paths.js";

export interface HttpOptions {
  /** Passed to every fetch (headers, credentials, signal…). */
  readonly requestInit?: RequestInit;
  /** fetch to use instead of globalThis.fetch. */
  readonly fetchFunc?: typeof fetch;
  /**
   * Where the shards live, prepended to each manifest path as tfjs does (`prefix + path`). The user chose
   * this location, so the folder check on manifest paths is not applied (tfjs' behaviour).
   */
  readonly weightPathPrefix?: string;
}

const isAbsoluteUrl = (url: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url);

/** A relative URL resolved against the page (globalThis.location) when there is one; otherwise left to fetch. */
function absolutize(url: string): string {
  const here = (globalThis as { location?: { href?: unknown } }).location?.href;
  return !isAbsoluteUrl(url) && typeof here === "string" ? new URL(url, here).href : url;
}

function fetcher(options: HttpOptions | undefined): typeof fetch {
  const f = options?.fetchFunc ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof f !== "function") throw new ValueError(`http: no fetch in this runtime; pass options.fetchFunc. Received ${show(f)}.`);
  return f;
}

/** GET `url`; network failures and non-2xx answers become FormatErrors naming the URL and the status. */
export async function fetchOk(fetchFunc: typeof fetch, url: string, init: RequestInit | undefined, where: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFunc(url, init);
  } catch (cause) {
    const hint = isAbsoluteUrl(url) ? "" : " (a relative URL needs a page location to resolve against; outside a browser use an absolute http(s):// or file:// URL)";
    throw new FormatError(`${where}: could not fetch ${url}: ${(cause as Error)?.message ?? show(cause)}${hint}.`, { cause });
  }
  if (!response.ok) throw new FormatError(`${where}: fetching ${url} answered HTTP ${response.status} ${response.statusText}; expected a 2xx status.`);
  return response;
}

/** The body, refusing more than `maxBytes` (announced by Content-Length or counted while streaming). */
export async function readBody(response: Response, url: string, where: string, maxBytes = Infinity): Promise<Uint8Array> {
  const tooBig = (n: number | string): never => {
    throw new FormatError(`${where}: ${url} is ${n} bytes, more than the ${maxBytes} accepted.`);
  };
  const announced = Number(response.headers?.get?.("content-length") ?? NaN);
  if (announced > maxBytes) tooBig(announced);
  const reader = maxBytes < Infinity ? response.body?.getReader() : undefined;
  if (reader === undefined) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return bytes.byteLength > maxBytes ? tooBig(bytes.byteLength) : bytes;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      tooBig(`more than ${maxBytes}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * The URL of a file named `path` next to `baseUrl` (model.json or an ONNX file). The path must pass
 * safeRelativePath; the resolved URL must keep the base's origin and folder; the base's query string
 * (e.g. a signed-URL token) is carried over as tfjs does.
 */
export function siblingUrl(baseUrl: string, path: string, where: string): string {
  const rel = safeRelativePath(path, where).join("/");
  if (!isAbsoluteUrl(baseUrl)) {
    const [bare, query] = splitQuery(baseUrl);
    return dirnameOf(bare) + rel + (rel.includes("?") ? "" : query);
  }
  const base = new URL(baseUrl);
  const url = new URL(rel, base);
  const folder = dirnameOf(base.pathname);
  if (url.origin !== base.origin || !url.pathname.startsWith(folder)) {
    throw new FormatError(`${where}: path ${show(path)} resolves to ${url.href}, outside ${base.origin}${folder}.`);
  }
  if (url.search === "" && base.search !== "") url.search = base.search;
  return url.href;
}

function splitQuery(url: string): [string, string] {
  const q = url.search(/[?#]/);
  return q < 0 ? [url, ""] : [url.slice(0, q), url[q] === "?" ? url.slice(q).replace(/#.*$/, "") : ""];
}

/** tfjs' http(url): fetches model.json and its shards (requestInit on every request); loading only. */
export function http(url: string, options?: HttpOptions): LoadHandler {
  if (typeof url !== "string" || url === "") throw new ValueError(`http: url must be a non-empty string; received ${show(url)}.`);
  const prefix = options?.weightPathPrefix;
  if (prefix !== undefined && typeof prefix !== "string") throw new ValueError(`http: weightPathPrefix must be a string; received ${show(prefix)}.`);
  return {
    async load(): Promise<ModelArtifacts> {
      const fetchFunc = fetcher(options);
      const init = options?.requestInit;
      const modelUrl = absolutize(url);
      const where = `model.json at ${modelUrl}`;
      const response = await fetchOk(fetchFunc, modelUrl, init, where);
      const json = checkModelJson(parseModelJson(await readBody(response, modelUrl, where, MAX_MODEL_JSON_BYTES), where), where);
      // Every URL is built (and checked) before the first shard is requested.
      const urls = manifestPaths(json).map(({ path, field }) =>
        prefix === undefined ? siblingUrl(modelUrl, path, `${where}: ${field}`) : prefix + path + splitQuery(modelUrl)[1],
      );
      const shards = await Promise.all(
        urls.map(async (u) => {
          const bytes = await readBody(await fetchOk(fetchFunc, u, init, where), u, where);
          return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
        }),
      );
      return modelJsonToArtifacts(json, shards, where);
    },
  };
}

/** A URL's bytes and a reader for files beside it (for ONNX external data). */
export async function urlSource(
  source: string,
  options?: HttpOptions & { readonly maxBytes?: number },
): Promise<{ bytes: Uint8Array; name: string; sibling(relativePath: string): Promise<Uint8Array> }> {
  const fetchFunc = fetcher(options);
  const name = absolutize(source);
  const get = async (u: string, where: string) => readBody(await fetchOk(fetchFunc, u, options?.requestInit, where), u, where, options?.maxBytes);
  return {
    bytes: await get(name, name),
    name,
    sibling: async (relativePath) => get(siblingUrl(name, relativePath, `${name}: external file`), `${name}: external file`),
  };
}
