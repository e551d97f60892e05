// Bun.serve: `bun bun/server.mjs`. PORT (default 3000) and HOST (default 0.0.0.0) come from the
// environment. The model loads once, before the server starts listening.
import { init } from "simdnn";
import { createApp } from "../shared/classify.mjs";

const nn = await init();
const app = createApp(nn, await nn.loadLayersModel(new URL("../model/model.json", import.meta.url).href));

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST ?? "0.0.0.0",
  fetch: app.fetch,
});
console.log(`listening on http://${server.hostname}:${server.port}/ (${nn.backend})`);
