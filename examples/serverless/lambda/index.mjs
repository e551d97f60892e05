// AWS Lambda (Node.js 20+ runtime, ES module handler `lambda/index.handler`), behind a Function URL or an
// API Gateway HTTP API (payload 2.0) or REST API (payload 1.0): the event carries the method, the path and
// the body as a string, base64-encoded when isBase64Encoded. The model loads once per container, at
// module load (top-level await runs during the init phase), not in the handler.
import { init } from "simdnn";
import { createApp } from "../shared/classify.mjs";

const nn = await init();
const app = createApp(nn, await nn.loadLayersModel(new URL("../model/model.json", import.meta.url).href));

export const handler = async (event) => {
  const method = event.requestContext?.http?.method ?? event.httpMethod ?? "GET";
  const path = event.rawPath ?? event.path ?? "/";
  const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  const { status, headers, body: text } = app.respond(method, path, body);
  return { statusCode: status, headers, body: text, isBase64Encoded: false };
};
