# dist/ as workerd bundles it: every module the build's import graph reaches (gen/modules.capnp, written
# by prepare.mjs because chunk names carry content hashes), the WASM builds as precompiled modules, and
# model files as data — Workers have no file system and may not compile WASM bytes at run time.
using Workerd = import "/workerd/workerd.capnp";
using Gen = import "gen/modules.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .simdnnWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const simdnnWorker :Workerd.Worker = (
  modules = Gen.modules,
  compatibilityDate = "2024-09-01",
);
