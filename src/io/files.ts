// file:// — tfjs-node's fileSystem handler: load reads model.json and the shards its manifest names
// (relative to model.json's folder), save writes model.json and weights.bin. Node's modules are
// imported only here and only when a file:// handler runs, so browsers and workers never load them.
import { FormatError, ValueError, show } from "../errors.js";
import type { LoadHandler, ModelArtifacts, SaveHandler, SaveResult } from "./artifacts.js";
import { artifactsInfo, artifactsToModelJson, checkModelJson, joinWeightData, manifestPaths, MAX_MODEL_JSON_BYTES, modelJsonToArtifacts, parseModelJson, type ShardFiles } from "./model_json.js";
import { safeRelativePath } from "./paths.js";

// @internal keeps Node's types out of the published declarations: a browser project has no @types/node.
/** @internal */
type NodeFs = typeof import("node:fs/promises");
/** @internal */
type NodePath = typeof import("node:path");

type SyncFs = typeof import("node:fs");

/**
 * Where the host lends its built-ins synchronously (Node ≥ 20.16, Bun), the file calls used here go through
 * node:fs's synchronous functions, which the process has loaded already: importing node:fs/promises compiled
 * Node's internal modules for 7 ms and the thread-pool round trips idled 9 ms more of a cold model load.
 * A model file is read once per instance, so blocking for the ~1 ms of a 2 MB read is the better trade.
 */
function syncNode(): { fs: NodeFs; path: NodePath; sync?: SyncFs } | null {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== "function" || "Deno" in globalThis) return null;
  const f = get("fs") as SyncFs, path = get("path") as NodePath;
  const fs = {
    stat: async (file: string) => f.statSync(file),
    readFile: async (file: string) => f.readFileSync(file),
    mkdir: async (dir: string, options: { recursive: boolean }) => f.mkdirSync(dir, options),
    writeFile: async (file: string, data: string | Uint8Array) => f.writeFileSync(file, data),
  } as unknown as NodeFs;
  return { fs, path, sync: f };
}

async function node(): Promise<{ fs: NodeFs; path: NodePath; sync?: SyncFs }> {
  try {
    const sync = syncNode();
    if (sync) return sync;
    const [fs, path] = await Promise.all([import("node:fs/promises"), import("node:path")]);
    return { fs, path };
  } catch (cause) {
    throw new ValueError("file:// needs a runtime with node:fs (Node, Deno, Bun); in a browser or worker load from http(s) or fromMemory.", { cause });
  }
}

/** 'file:///a/b' → '/a/b', 'file://rel/x' → 'rel/x' (tfjs-node strips the prefix), 'file:///C:/x' → 'C:/x'; plain paths pass. */
export function filePathOf(source: string): string {
  const p = source.startsWith("file://") ? source.slice("file://".length) : source;
  return /^\/[A-Za-z]:[\\/]/.test(p) ? p.slice(1) : p;
}

const code = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

/** Reads a whole file; missing → FormatError naming it; other failures (EACCES, EISDIR…) → FormatError with the cause. @internal */
export async function readFileBytes(fs: NodeFs, file: string, where: string, maxBytes = Infinity): Promise<Uint8Array> {
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file} is a directory`), { code: "EISDIR" });
    // A FIFO or device would block or never end: only regular files are read.
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    // Checked before reading, so an oversized file is never allocated; checked again after in case it grew.
    if (stat.size > maxBytes) throw new FormatError(`${where}: ${file} is ${stat.size} bytes, more than the ${maxBytes} accepted.`);
    const bytes = await fs.readFile(file);
    if (bytes.byteLength > maxBytes) throw new FormatError(`${where}: ${file} is more than the ${maxBytes} bytes accepted.`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    if (code(e) === "ENOENT" || code(e) === "ENOTDIR") throw new FormatError(`${where}: missing file ${file}.`, { cause: e });
    throw new FormatError(`${where}: cannot read ${file}: ${(e as Error).message}.`, { cause: e });
  }
}

/** The bytes as an ArrayBuffer of their own (Node may hand back a slice of a shared pool). */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const b = bytes.buffer;
  return b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength ? b : bytes.slice().buffer;
}

/** `dir/segments…`, after checking lexically that it stays inside `dir` (safeRelativePath already refused '..'). @internal */
export function resolveInside(path: NodePath, dir: string, segments: readonly string[], where: string): string {
  const file = path.resolve(dir, ...segments);
  const rel = path.relative(dir, file);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) throw new FormatError(`${where}: path ${show(segments.join("/"))} leaves the folder ${dir}.`);
  return file;
}

/**
 * The shards as files not read yet: sizes now (regular files only), bytes when a weight asks, each read
 * positioned (so a cold load reads every weight straight into its place in WASM memory, once). A file that
 * shrinks in between is a FormatError, never short data.
 */
function shardFiles(f: SyncFs, files: readonly string[], where: string): ShardFiles {
  const sizes = files.map((file) => {
    try {
      const stat = f.statSync(file);
      if (!stat.isFile()) throw new Error(stat.isDirectory() ? `EISDIR: ${file} is a directory` : `${file} is not a regular file`);
      return stat.size;
    } catch (e) {
      if (code(e) === "ENOENT" || code(e) === "ENOTDIR") throw new FormatError(`${where}: missing file ${file}.`, { cause: e });
      throw new FormatError(`${where}: cannot read ${file}: ${(e as Error).message}.`, { cause: e });
    }
  });
  const byteLength = sizes.reduce((a, b) => a + b, 0);
  const read = (dst: Uint8Array, offset: number): void => {
    let done = 0, skip = offset;
    for (let i = 0; i < files.length && done < dst.length; i++) {
      if (skip >= sizes[i]) {
        skip -= sizes[i];
        continue;
      }
      const length = Math.min(sizes[i] - skip, dst.length - done);
      let fd = -1;
      try {
        fd = f.openSync(files[i], "r");
        for (let got = 0; got < length; ) {
          const n = f.readSync(fd, dst, done + got, length - got, skip + got);
          if (n === 0) throw new FormatError(`${where}: ${files[i]} became shorter while it was read.`);
          got += n;
        }
      } catch (e) {
        if (e instanceof FormatError) throw e;
        throw new FormatError(`${where}: cannot read ${files[i]}: ${(e as Error).message}.`, { cause: e });
      } finally {
        if (fd >= 0) f.closeSync(fd);
      }
      done += length;
      skip = 0;
    }
  };
  return { sizes, source: { byteLength, read } };
}

/**
 * A LoadHandler + SaveHandler for a folder or a model.json on the local file system (`file://` URL or
 * plain path). Load: `path` names model.json or its folder; every manifest path is checked (relative,
 * inside the folder — see safeRelativePath) before any shard is read. Save: `path` names the folder
 * (created recursively) or a `*.json` file in it; writes model.json and weights.bin.
 */
export function fileSystem(path: string): LoadHandler & SaveHandler {
  if (typeof path !== "string" || filePathOf(path) === "") {
    throw new ValueError(`fileSystem: path must be a non-empty string (a folder or its model.json, e.g. "file://./my-model"); received ${show(path)}.`);
  }
  const target = filePathOf(path);
  return {
    async load(): Promise<ModelArtifacts> {
      const { fs, path: p, sync } = await node();
      let jsonFile = p.resolve(target);
      const stat = await fs.stat(jsonFile).catch(() => undefined);
      if (stat?.isDirectory()) jsonFile = p.join(jsonFile, "model.json");
      const where = `model.json at file://${jsonFile}`;
      const json = checkModelJson(parseModelJson(await readFileBytes(fs, jsonFile, where, MAX_MODEL_JSON_BYTES), where), where);
      const dir = p.dirname(jsonFile);
      // Every path is checked before the first shard is touched.
      const files = manifestPaths(json).map(({ path: rel, field }) => resolveInside(p, dir, safeRelativePath(rel, `${where}: ${field}`), `${where}: ${field}`));
      if (sync) return modelJsonToArtifacts(json, shardFiles(sync, files, where), where);
      const shards: ArrayBuffer[] = [];
      for (const file of files) shards.push(ownBuffer(await readFileBytes(fs, file, where)));
      return modelJsonToArtifacts(json, shards, where);
    },

    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const { fs, path: p } = await node();
      const json = artifactsToModelJson(artifacts, "weights.bin");
      const resolved = p.resolve(target);
      const namesJson = resolved.toLowerCase().endsWith(".json");
      const dir = namesJson ? p.dirname(resolved) : resolved;
      const jsonFile = namesJson ? resolved : p.join(dir, "model.json");
      const write = async (what: string, run: () => Promise<unknown>): Promise<void> => {
        try {
          await run();
        } catch (cause) {
          const hint = code(cause) === "EEXIST" || code(cause) === "ENOTDIR" ? " (a file stands where a folder is needed)" : "";
          throw new FormatError(`fileSystem.save: cannot write ${what}${hint}: ${(cause as Error).message}.`, { cause });
        }
      };
      await write(dir, () => fs.mkdir(dir, { recursive: true }));
      await write(jsonFile, () => fs.writeFile(jsonFile, JSON.stringify(json)));
      await write(p.join(dir, "weights.bin"), () => fs.writeFile(p.join(dir, "weights.bin"), new Uint8Array(joinWeightData(artifacts.weightData))));
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}

/** A local file's bytes and a reader for files beside it (same path rules as manifests). */
export async function fileSource(source: string, maxBytes?: number): Promise<{ bytes: Uint8Array; name: string; sibling(relativePath: string): Promise<Uint8Array> }> {
  const { fs, path: p } = await node();
  const file = p.resolve(filePathOf(source));
  const name = `file://${file}`;
  const bytes = await readFileBytes(fs, file, name, maxBytes);
  return {
    bytes,
    name,
    async sibling(relativePath: string): Promise<Uint8Array> {
      const where = `${name}: external file`;
      const other = resolveInside(p, p.dirname(file), safeRelativePath(relativePath, where), where);
      return readFileBytes(fs, other, where, maxBytes);
    },
  };
}
