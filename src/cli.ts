// npx simdnn convert <model.onnx | model.json | model.keras | model.safetensors> <outDir> [--quantize float16|uint8|uint16]
// npx simdnn inspect <model.onnx | model.json | model.keras | model.safetensors>
// Every conversion goes through a real load (so what is written is what simdnn runs) and is saved as a
// tfjs layers-model folder: model.json + weights.bin.
import { init, SimdnnError } from "./index.js";
import type { NN } from "./nn.js";
import type { Sequential } from "./model/sequential.js";
// static: a dynamic import of these would make them chunk entries of their own, which splits the main entry's
// code into more files for every user (each file costs Node ~1–2 ms to load); the CLI loads them either way
import { loadOnnxDetailed } from "./io/onnx_loader.js";
import { loadSafetensorsModel } from "./io/safetensors_model.js";

const USAGE = `Usage:
  simdnn convert <model.onnx | model.json | model.keras | model.safetensors> <outDir> [--quantize float16|uint8|uint16] [--topology model.json]
  simdnn inspect <model.onnx | model.json | model.keras | model.safetensors> [--topology model.json]
  simdnn lab [--quick] [--tasks a,b] [--activations …] [--losses …] [--seeds n] [--out dir] [--data dir]   (simdnn lab --help)

  A .safetensors file holds weights only: --topology names a layers-model model.json whose layers they fill
  (a PyTorch nn.Sequential state_dict is transposed as needed); simdnn's own safetensors carry it inside.`;

interface Loaded {
  model: Sequential;
  producer: string;
  fileBytes: number;
}

const url = (p: string) => (p.startsWith("file://") || /^https?:\/\//.test(p) ? p : `file://${p}`);

async function load(nn: NN, input: string, topology: string | undefined): Promise<Loaded> {
  const { readFile, stat } = await import("node:fs/promises");
  const fileBytes = (await stat(input.replace(/^file:\/\//, ""))).size;
  if (input.endsWith(".onnx")) {
    const { model, producer } = await loadOnnxDetailed(nn.rt, url(input));
    return { model, producer, fileBytes };
  }
  if (input.endsWith(".safetensors")) {
    const bytes = new Uint8Array(await readFile(input));
    const topo = topology === undefined ? undefined : JSON.parse(await readFile(topology, "utf8"));
    const { model, producer } = loadSafetensorsModel(nn.rt, bytes, topo, input);
    return { model, producer, fileBytes };
  }
  let producer = "unknown producer";
  const model = await nn.loadLayersModel({
    async load() {
      const handler = /\.keras$/i.test(input) ? nn.io.kerasFile(url(input)) : nn.io.fileSystem(input.replace(/^file:\/\//, ""));
      const a = await handler.load();
      producer = [a.generatedBy, a.convertedBy].filter(Boolean).join(", converted by ") || producer;
      return a;
    },
  });
  return { model, producer, fileBytes };
}

function describe(loaded: Loaded, input: string): string {
  const { model } = loaded;
  const lines = [`${input}: ${loaded.fileBytes.toLocaleString("en-US")} bytes, ${loaded.producer}`];
  model.summary((s) => lines.push(s));
  lines.push(`Input: [batch, ${model.inputShape!.join(", ")}]  Output: [batch, ${model.outputShape!.join(", ")}]`);
  for (const w of model.weights) lines.push(`  ${w.name.padEnd(40)} [${w.shape.join(", ")}]${w.trainable ? "" : " (non-trainable)"}`);
  return lines.join("\n");
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new SimdnnError(`${name} needs a value.`);
  args.splice(i, 2);
  return v;
}

export async function main(argv: string[]): Promise<number> {
  const args = argv.slice();
  const command = args.shift();
  if (command === undefined || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === "lab") return (await import("./lab/cli.js")).labMain(args); // its own chunk: convert and inspect never load the lab
  try {
    const quantize = option(args, "--quantize");
    const topology = option(args, "--topology");
    if (quantize !== undefined && !["float16", "uint8", "uint16"].includes(quantize)) throw new SimdnnError(`--quantize must be float16, uint8 or uint16; received '${quantize}'.`);
    const unknown = args.find((a) => a.startsWith("--"));
    if (unknown) throw new SimdnnError(`Unknown option ${unknown}.\n${USAGE}`);
    const nn = await init();
    if (command === "inspect" && args.length === 1) {
      const loaded = await load(nn, args[0], topology);
      console.log(describe(loaded, args[0]));
      loaded.model.dispose();
      return 0;
    }
    if (command === "convert" && args.length === 2) {
      const [input, out] = args;
      const loaded = await load(nn, input, topology);
      const result = await loaded.model.save(url(out), { quantize: quantize as "float16" | undefined });
      const info = result.modelArtifactsInfo;
      console.log(`${input} → ${out}/model.json + weights.bin (${(info.weightDataBytes ?? 0).toLocaleString("en-US")} bytes of weights${quantize ? `, ${quantize}` : ""})`);
      console.log(describe(loaded, input));
      loaded.model.dispose();
      return 0;
    }
    console.error(USAGE);
    return 1;
  } catch (error) {
    console.error(error instanceof SimdnnError ? `${error.name}: ${error.message}` : error);
    return 1;
  }
}
