// A local stand-in for AWS Lambda behind a Function URL / API Gateway, for the serverless tests only (no AWS
// tooling): imports a handler module once (a container's init phase) and turns each HTTP request on
// 127.0.0.1 into an event, alternating the two payload shapes so both are exercised: odd requests as
// payload 2.0 (Function URLs, HTTP APIs) with the body base64-encoded, even ones as payload 1.0 (REST APIs)
// with the body as text. The handler's { statusCode, headers, body, isBase64Encoded } becomes the answer.
//   node lambda_invoker.mjs <handler module>   → prints "listening on http://127.0.0.1:<port>/"
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const { handler } = await import(pathToFileURL(resolve(process.argv[2])).href);
let count = 0;
const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks);
  const url = new URL(req.url, "http://127.0.0.1");
  const v2 = ++count % 2 === 1;
  const body = req.method === "GET" || req.method === "HEAD" ? null : v2 ? raw.toString("base64") : raw.toString("utf8");
  const event = v2
    ? { version: "2.0", rawPath: url.pathname, rawQueryString: url.search.slice(1), headers: req.headers,
        requestContext: { http: { method: req.method, path: url.pathname, sourceIp: "127.0.0.1" } }, body, isBase64Encoded: body !== null }
    : { resource: "/{proxy+}", path: url.pathname, httpMethod: req.method, headers: req.headers, body, isBase64Encoded: false };
  try {
    const out = await handler(event, { functionName: "local", awsRequestId: String(count) });
    const text = out.isBase64Encoded ? Buffer.from(out.body, "base64") : out.body ?? "";
    res.writeHead(out.statusCode ?? 200, out.headers ?? {}).end(text);
  } catch (e) {
    // Lambda answers 502 when the handler throws: the test sees it as a failure
    res.writeHead(502, { "content-type": "text/plain" }).end(`handler threw: ${e?.message ?? e}`);
  }
});
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}/`));
