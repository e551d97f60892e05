// A minimal ONNX writer for benchmarks: an MLP as Gemm (transB = 1, PyTorch's Linear layout) + Relu /
// Softmax nodes, weights as raw_data initializers, a dynamic batch axis. Enough for onnxruntime-web and
// simdnn's reader to load the same model the layers-model benches load; field numbers from onnx.proto.
const enc = new TextEncoder();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const cat = (parts) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};
const field = (n, bytes) => cat([Uint8Array.from(varint((n << 3) | 2)), Uint8Array.from(varint(bytes.length)), bytes]);
const int = (n, v) => Uint8Array.from([...varint(n << 3), ...varint(v)]);
const str = (n, s) => field(n, enc.encode(s));

function tensor(name, dims, values) {
  return cat([...dims.map((d) => int(1, d)), int(2, 1), str(8, name), field(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength))]);
}
function valueInfo(name, dims) {
  const dim = (d) => field(1, typeof d === "string" ? str(2, d) : int(1, d));
  return cat([str(1, name), field(2, field(1, cat([int(1, 1), field(2, cat(dims.map(dim)))])))]);
}
function node(op, inputs, outputs, attrs = []) {
  return cat([...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, `${op}_${outputs[0]}`), str(4, op), ...attrs]);
}

/**
 * layers: [{ kernel: Float32Array [in·out] row-major [in, out] (Keras layout), bias: Float32Array [out], in, out, activation: 'relu' | 'softmax' | 'linear' }].
 * Returns the bytes of an ONNX model (opset 13) computing the same function.
 */
export function mlpToOnnx(layers) {
  const nodes = [], inits = [];
  let x = "input";
  layers.forEach((l, i) => {
    const wt = new Float32Array(l.in * l.out); // Gemm with transB = 1 takes W as [out, in]
    for (let r = 0; r < l.in; r++) for (let c = 0; c < l.out; c++) wt[c * l.in + r] = l.kernel[r * l.out + c];
    inits.push(tensor(`w${i}`, [l.out, l.in], wt), tensor(`b${i}`, [l.out], l.bias));
    const z = l.activation === "linear" && i === layers.length - 1 ? "output" : `z${i}`;
    nodes.push(node("Gemm", [x, `w${i}`, `b${i}`], [z], [field(5, cat([str(1, "transB"), int(3, 1), int(20, 2)]))]));
    if (l.activation === "relu" || l.activation === "softmax") {
      const y = i === layers.length - 1 ? "output" : `y${i}`;
      nodes.push(node(l.activation === "relu" ? "Relu" : "Softmax", [z], [y], l.activation === "softmax" ? [field(5, cat([str(1, "axis"), int(3, 1), int(20, 2)]))] : []));
      x = y;
    } else x = z;
  });
  const last = layers[layers.length - 1];
  const graph = cat([...nodes.map((n) => field(1, n)), str(2, "mlp"), ...inits.map((t) => field(5, t)), field(11, valueInfo("input", ["batch", layers[0].in])), field(12, valueInfo("output", ["batch", last.out]))]);
  return cat([int(1, 8), str(2, "simdnn-bench"), field(7, graph), field(8, cat([str(1, ""), int(2, 13)]))]);
}
