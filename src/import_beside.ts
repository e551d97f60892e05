// Optional code that lives in an entry of its own (simdnn/onnx, simdnn/safetensors, simdnn/threads) registers
// itself when imported. Unbundled (Node, Deno, Bun, a page loading dist/ itself), the main entry imports that
// entry's file beside it at run time; bundlers never follow a computed import, so a bundle (a Worker, a Lambda
// zip) carries the optional code only when its own code imports the entry.

/** Imports dist's `file` from beside this module, which sits in dist/ or, as shared code, in dist/chunks/. */
export async function importBeside(file: string): Promise<void> {
  for (const at of [`./${file}`, `../${file}`]) {
    try {
      const url = new URL(at, import.meta.url).href;
      await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
      return;
    } catch {
      // not there: try the next place; the caller says what to import when nothing registered
    }
  }
}
