// How scripts/build.mjs bundles `import("./wasm/<build>.wasm")` in src/embedded.ts: esbuild's binary
// loader, a Uint8Array of the file. Only that entry imports .wasm; this file is not published.
declare module "*.wasm" {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
