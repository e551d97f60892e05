// A safetensors file holds weights, not the architecture: with a Keras topology (a model.json, or one
// stored in the file's metadata under "keras_topology") it becomes a loaded Sequential. Keys named
// `<layer>/<weight>` load by name; PyTorch state_dict keys load in module order, transposed as needed.
import { FormatError } from "../errors.js";
import { Sequential } from "../model/sequential.js";
import type { Runtime } from "../runtime.js";
import { loadStateDict, readSafetensors } from "./safetensors.js";
import { readTopology } from "./topology.js";

export function loadSafetensorsModel(rt: Runtime, bytes: Uint8Array, topology: unknown, where: string): { model: Sequential; producer: string } {
  const st = readSafetensors(bytes, { name: where });
  let topo = topology;
  if (topo === undefined && st.metadata.keras_topology !== undefined) {
    try {
      topo = JSON.parse(st.metadata.keras_topology);
    } catch (cause) {
      throw new FormatError(`${where}: __metadata__.keras_topology is not JSON.`, { cause });
    }
  }
  if (topo === undefined) throw new FormatError(`${where} holds weights only; give the architecture as a layers-model model.json (--topology model.json).`);
  const modelJson = topo as { modelTopology?: unknown };
  const t = readTopology(modelJson.modelTopology ?? topo, where);
  const model = new Sequential(rt, { name: t.name, layers: t.layers, seed: 0 });
  try {
    model.buildUninitialized(t.inputShape);
    const keras = Object.keys(st.tensors).some((k) => k.includes("/"));
    loadStateDict(model, st.tensors, { layout: keras ? "keras" : "torch" });
    const producer = st.metadata.format === "pt" ? "PyTorch state_dict (safetensors)" : "safetensors";
    return { model, producer };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
