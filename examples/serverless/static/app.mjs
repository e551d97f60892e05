// The static page's script: loads simdnn and the model by URL once, then answers the form with the
// shared request path (same validation, same JSON, same 400 messages as the servers).
import { init } from "simdnn";
import { createApp } from "../shared/classify.mjs";

const $ = (id) => document.getElementById(id);
// A "0" drawn on the 8×8 grid, as the form's starting example.
const ZERO = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
  0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0].map((v) => v / 16);

try {
  const nn = await init();
  const model = await nn.loadLayersModel(new URL("../model/model.json", import.meta.url).href);
  const app = createApp(nn, model);
  $("health").textContent = app.respond("GET", "/health").body;
  $("body").value = JSON.stringify({ inputs: [ZERO] });
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { status, body } = app.respond("POST", "/", $("body").value);
    $("status").textContent = String(status);
    $("output").textContent = body;
    $("health").textContent = app.respond("GET", "/health").body; // its memory line, after this request
    $("output").dataset.answers = String(Number($("output").dataset.answers) + 1);
  });
  $("classify").disabled = false;
} catch (e) {
  $("health").textContent = `failed to load: ${e.name}: ${e.message}`;
}
