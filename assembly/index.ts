// The module's exports: one line per op family. Adding a family adds one line here.
export * from "./memory";
export * from "./elementwise";
export * from "./reduce";
export * from "./activations";
export * from "./losses";
export * from "./optimizers";
export * from "./layers";
export * from "./gemm";
export * from "./layers_norm";
