// The request path every serverless example shares (Worker, Lambda, Deno, Bun, node:http, the static page),
// so all six validate the same way and answer the same JSON. No node:* and no host globals beyond
// Request/Response (only in `fetch`): it runs unchanged in every runtime and in a browser.
//
//   POST {"inputs": [[64 numbers], …]}  → 200 {"outputs": [[10 probabilities], …], "labels": [class, …]}
//   GET / or /health                   → 200 {"status": "ok", "model", "backend", "features", "classes", "maxRows", "memory"}
//   anything malformed                 → 400 {"error": "<what was received and what was expected>"}

/** Rows per request: bounds the work and the memory one request can ask for. */
export const MAX_ROWS = 256;
/** Request bodies beyond this are refused (413) before they are parsed: 256 rows of 64 long numbers fit. */
export const MAX_BODY_BYTES = 1 << 20;
const FLOAT32_MAX = 3.4028234663852886e38;

/** A request the client must fix: `status` is the HTTP status, `message` says what was expected. */
export class RequestError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/** A short description of a JSON value for error messages (never the whole value: bodies can be large). */
function received(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === "object") return `an object with keys [${Object.keys(v).slice(0, 5).join(", ")}]`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Parses and checks a request body: `{"inputs": rows}`, 1…MAX_ROWS rows of `features` finite numbers each
 * (within float32's range: the model computes in float32). Returns the rows as one row-major Float32Array.
 */
export function parseInputs(text, features) {
  const expected = `expected {"inputs": [[${features} numbers], …]} with 1 to ${MAX_ROWS} rows`;
  if (typeof text !== "string" || text.length === 0) throw new RequestError(`The request has no body; ${expected}.`);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new RequestError(`The body is not JSON (${e.message}); ${expected}.`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body) || !("inputs" in body)) {
    throw new RequestError(`The body is ${received(body)}; ${expected}.`);
  }
  const rows = body.inputs;
  if (!Array.isArray(rows) || rows.length === 0) throw new RequestError(`"inputs" is ${received(rows)}; ${expected}.`);
  if (rows.length > MAX_ROWS) throw new RequestError(`"inputs" has ${rows.length} rows; at most ${MAX_ROWS} per request (send several requests).`);
  const flat = new Float32Array(rows.length * features);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== features) {
      throw new RequestError(`inputs[${r}] is ${received(row)}; each row must be an array of ${features} numbers.`);
    }
    row.forEach((v, c) => {
      if (typeof v !== "number" || !(Math.abs(v) <= FLOAT32_MAX)) {
        throw new RequestError(`inputs[${r}][${c}] is ${received(v)}; expected a number within float32's range (±3.4e38).`);
      }
      flat[r * features + c] = v;
    });
  });
  return { rows: rows.length, flat };
}

/**
 * model.predict on checked rows, through the path that creates no tensors: a Float32Array in, a new
 * Float32Array out (the model's planned buffers in between), so a request has nothing to free or leak.
 * labels: nn.argMax per row (ties to the lower index, as tf.argMax and torch.argmax).
 */
export function classify(nn, model, { rows, flat }) {
  const probs = model.predict(flat, { output: "array" });
  const classes = probs.length / rows;
  const outputs = Array.from({ length: rows }, (_, r) => Array.from(probs.subarray(r * classes, (r + 1) * classes)));
  return { outputs, labels: Array.from(nn.argMax(probs, { shape: [rows, classes] })) };
}

/**
 * The whole HTTP behaviour for one loaded model. `respond(method, path, body)` is for hosts that hand over
 * a method, a path and the body text (Lambda, node:http, the page); `fetch(request)` for those that speak
 * Request/Response (Workers, Deno.serve, Bun.serve).
 */
export function createApp(nn, model) {
  const [features] = model.inputShape;
  const [classes] = model.outputShape;
  const json = (status, value, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) });
  // memory: nn.memory() now, so a monitor (and the tests) can see a warm instance stay flat
  const health = () => ({ status: "ok", model: model.name, backend: nn.backend, features, classes, maxRows: MAX_ROWS, memory: nn.memory() });

  function respond(method, path, body) {
    if (path !== "/" && path !== "/health" && path !== "/predict") return json(404, { error: `No route ${path}; use GET /health or POST / {"inputs": …}.` });
    if (method === "GET" || method === "HEAD") return json(200, health());
    if (method !== "POST") return json(405, { error: `Method ${method} not allowed; use GET or POST.` }, { allow: "GET, HEAD, POST" });
    try {
      if (typeof body === "string" && body.length > MAX_BODY_BYTES) throw new RequestError(`The body has ${body.length} characters; at most ${MAX_BODY_BYTES}.`, 413);
      return json(200, classify(nn, model, parseInputs(body, features)));
    } catch (e) {
      if (e instanceof RequestError) return json(e.status, { error: e.message });
      console.error(e); // a bug, not the client's fault: logged here, not shown to the client
      return json(500, { error: "Internal error." });
    }
  }

  async function fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return toResponse(respond(request.method, pathname, undefined));
    const { size, text } = await readBody(request);
    if (size > MAX_BODY_BYTES) return toResponse(json(413, { error: `The body has ${size} bytes; at most ${MAX_BODY_BYTES}.` }));
    return toResponse(respond("POST", pathname, text));
  }

  return { features, classes, respond, fetch };
}

/**
 * A request body as text, keeping at most MAX_BODY_BYTES: the rest is read and dropped rather than left
 * unread, since answering before the body is consumed makes some clients see a reset instead of the 413.
 */
async function readBody(request) {
  // a declared length within the limit: one text() call (in workerd a POST answered 86 µs sooner than through
  // the reader loop below, which stays for chunked bodies and for bodies that must be drained past the limit)
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared >= 0 && declared <= MAX_BODY_BYTES) {
    const text = await request.text();
    return { size: declared, text };
  }
  const chunks = [];
  let size = 0;
  if (request.body) {
    for (const reader = request.body.getReader(); ;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(value);
    }
  }
  if (size > MAX_BODY_BYTES) return { size, text: "" };
  const bytes = new Uint8Array(size);
  chunks.reduce((at, c) => (bytes.set(c, at), at + c.byteLength), 0);
  return { size, text: new TextDecoder().decode(bytes) };
}

function toResponse({ status, headers, body }) {
  return new Response(body, { status, headers });
}
