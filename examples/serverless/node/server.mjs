// node:http, no framework: `node node/server.mjs`. PORT (default 8080) and HOST (default 0.0.0.0) come
// from the environment. The model loads once, before the server starts listening.
import { createServer } from "node:http";
import { init } from "simdnn";
import { createApp, MAX_BODY_BYTES } from "../shared/classify.mjs";

const nn = await init();
const app = createApp(nn, await nn.loadLayersModel(new URL("../model/model.json", import.meta.url).href));

const server = createServer((req, res) => {
  const send = ({ status, headers, body }) => res.writeHead(status, headers).end(body);
  const path = new URL(req.url ?? "/", "http://host").pathname;
  if (req.method !== "POST") return send(app.respond(req.method, path, undefined));
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > MAX_BODY_BYTES) return send({ status: 413, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: `The body has ${size} bytes; at most ${MAX_BODY_BYTES}.` }) });
    send(app.respond("POST", path, Buffer.concat(chunks).toString("utf8")));
  });
  req.on("error", () => res.destroy());
});
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? "0.0.0.0", () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}/ (${nn.backend})`);
});
