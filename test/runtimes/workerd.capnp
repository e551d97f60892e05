using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .simdnnWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const simdnnWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "simdnn.js", esModule = embed "../../dist/index.js"),
    (name = "scalar.wasm", wasm = embed "../../dist/wasm/scalar.wasm"),
    (name = "simd.wasm", wasm = embed "../../dist/wasm/simd.wasm"),
    (name = "relaxed-simd.wasm", wasm = embed "../../dist/wasm/relaxed-simd.wasm"),
  ],
  compatibilityDate = "2024-09-01",
);
