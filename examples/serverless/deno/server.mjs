// Deno.serve: `deno run --allow-read --allow-env --allow-net deno/server.mjs` (deno.json maps "simdnn" to
// npm:simdnn). PORT (default 8000) and HOST (default 0.0.0.0) come from the environment. The model loads
// once, before the server starts listening.
import { init } from "simdnn";
import { createApp } from "../shared/classify.mjs";

const nn = await init();
const app = createApp(nn, await nn.loadLayersModel(new URL("../model/model.json", import.meta.url).href));

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: Deno.env.get("HOST") ?? "0.0.0.0",
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/ (${nn.backend})`),
}, app.fetch);
