// Which file names a model file may point at. A model.json's weightsManifest (or an ONNX file's
// external data) names other files; a hostile file must not make us read outside the model's folder.
// Rule: a relative path made of plain segments, checked before any file system or network access.
import { FormatError, show } from "../errors.js";

/** Longest path a manifest may name (generous: real shard names are ~25 characters). */
const MAX_PATH_LENGTH = 1024;

/**
 * Checks that `path` names a file inside the model's folder and returns its segments ('.' dropped).
 * Refused, with a FormatError naming the path and `where`: non-strings, empty paths, absolute paths
 * ('/x'), backslashes, ':' (URL schemes, drive letters, alternate streams), NUL and other control
 * characters, empty segments ('a//b', 'a/'), '..' segments, and all of these once percent-escapes are
 * decoded — '%2e%2e/x' is a '..' to a URL parser and '%2f' a '/' to some servers. The path itself is
 * never decoded: file:// reads it literally and http resolves it as a URL, and both see the same safe text.
 */
export function safeRelativePath(path: unknown, where: string): string[] {
  const refuse = (why: string): never => {
    throw new FormatError(`${where}: refusing path ${show(path)}: ${why}; a manifest path must be relative and stay inside the model's folder (e.g. "group1-shard1of1.bin").`);
  };
  if (typeof path !== "string") return refuse("not a string");
  if (path.length === 0) return refuse("empty");
  if (path.length > MAX_PATH_LENGTH) return refuse(`longer than ${MAX_PATH_LENGTH} characters`);
  const segments = path.split("/");
  if (segments[0] === "") refuse("absolute");
  for (const raw of segments) {
    let decoded = raw;
    if (raw.includes("%")) {
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        refuse(`malformed percent-escape in ${show(raw)}`);
      }
    }
    for (const s of raw === decoded ? [raw] : [raw, decoded]) {
      if (s === "") refuse("empty segment");
      if (s === "..") refuse(raw === s ? "'..' segment" : `${show(raw)} decodes to '..'`);
      if (s.includes("\\")) refuse("backslash");
      if (s.includes(":")) refuse("':' (URL scheme or drive letter)");
      if (s.includes("/")) refuse(`${show(raw)} decodes to a '/'`);
      if (/[\u0000-\u001f\u007f]/.test(s)) refuse("control character");
    }
  }
  const kept = segments.filter((s) => s !== ".");
  if (kept.length === 0) refuse("names the folder itself");
  return kept;
}

/** The folder part of a '/'-separated path or URL path, with its trailing '/' ('' when there is none). */
export function dirnameOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash + 1);
}
