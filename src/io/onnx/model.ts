// The few ONNX messages an MLP needs, decoded from the wire format (field numbers from onnx/onnx's
// onnx.proto). Unknown fields are skipped; tensors keep their payload as a view until a value is
// asked for, and every payload is checked against its dims before any array is made from it.
import { FormatError } from "../../errors.js";
import { FIXED32, LEN, ProtoReader, VARINT } from "./proto.js";

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  raw?: Uint8Array;
  /** data_location EXTERNAL (1): where the bytes live (`location`, `offset`, `length` as strings). */
  external?: Record<string, string>;
}

/** AttributeProto with the fields MLP operators use. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: Map<string, OnnxAttribute>;
  /** Position in the graph, for messages when the node has no name. */
  index: number;
}

/** ValueInfoProto: a tensor's name and shape; a dim is a number, a symbolic name (dim_param), or null. */
export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  shape?: (number | string | null)[];
}

export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph?: OnnxGraph;
}

/** TensorProto.DataType names, for messages. */
export const DATA_TYPES: Record<number, string> = {
  1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool",
  10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
};
export const FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;

function tensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = { name: "", dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [], doubleData: [] };
  let location = 0;
  const entries: [string, string][] = [];
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1) r.int64s(wire, t.dims, "tensor dim");
    else if (field === 2 && wire === VARINT) t.dataType = r.uint("tensor data_type");
    else if (field === 4) r.float32s(wire, t.floatData, "float_data");
    else if (field === 5) r.int64s(wire, t.int32Data, "int32_data");
    else if (field === 7) r.int64s(wire, t.int64Data, "int64_data");
    else if (field === 8 && wire === LEN) t.name = r.string();
    else if (field === 9 && wire === LEN) t.raw = r.bytesField();
    else if (field === 10) r.float64s(wire, t.doubleData, "double_data");
    else if (field === 13 && wire === LEN) entries.push(stringEntry(r.message()));
    else if (field === 14 && wire === VARINT) location = r.uint("data_location");
    else r.skip(wire);
  }
  if (location === 1) t.external = Object.fromEntries(entries);
  return t;
}

function stringEntry(r: ProtoReader): [string, string] {
  let key = "", value = "";
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === LEN) key = r.string();
    else if (field === 2 && wire === LEN) value = r.string();
    else r.skip(wire);
  }
  return [key, value];
}

function attribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: "", type: 0, floats: [], ints: [] };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === LEN) a.name = r.string();
    else if (field === 20 && wire === VARINT) a.type = r.uint("attribute type");
    else if (field === 2 && wire === FIXED32) a.f = r.float32();
    else if (field === 3 && wire === VARINT) a.i = r.int64("attribute int");
    else if (field === 4 && wire === LEN) a.s = r.string();
    else if (field === 5 && wire === LEN) a.t = tensor(r.message());
    else if (field === 7) r.float32s(wire, a.floats, "attribute floats");
    else if (field === 8) r.int64s(wire, a.ints, "attribute ints");
    else r.skip(wire);
  }
  return a;
}

function node(r: ProtoReader, index: number): OnnxNode {
  const n: OnnxNode = { name: "", opType: "", domain: "", input: [], output: [], attribute: new Map(), index };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === LEN) n.input.push(r.string());
    else if (field === 2 && wire === LEN) n.output.push(r.string());
    else if (field === 3 && wire === LEN) n.name = r.string();
    else if (field === 4 && wire === LEN) n.opType = r.string();
    else if (field === 7 && wire === LEN) n.domain = r.string();
    else if (field === 5 && wire === LEN) {
      const a = attribute(r.message());
      n.attribute.set(a.name, a);
    } else r.skip(wire);
  }
  return n;
}

/** TypeProto → TensorShapeProto dims (tensor_type only; other types leave the shape unknown). */
function valueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "" };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === LEN) v.name = r.string();
    else if (field === 2 && wire === LEN) {
      const type = r.message();
      while (type.more()) {
        const k = type.tag();
        if (k.field !== 1 || k.wire !== LEN) { type.skip(k.wire); continue; }
        const tt = type.message(); // TypeProto.Tensor
        while (tt.more()) {
          const f = tt.tag();
          if (f.field === 1 && f.wire === VARINT) v.elemType = tt.uint("elem_type");
          else if (f.field === 2 && f.wire === LEN) v.shape = shape(tt.message());
          else tt.skip(f.wire);
        }
      }
    } else r.skip(wire);
  }
  return v;
}

function shape(r: ProtoReader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field !== 1 || wire !== LEN) { r.skip(wire); continue; }
    const d = r.message();
    let dim: number | string | null = null;
    while (d.more()) {
      const k = d.tag();
      if (k.field === 1 && k.wire === VARINT) dim = d.int64("dim_value");
      else if (k.field === 2 && k.wire === LEN) dim = d.string();
      else d.skip(k.wire);
    }
    dims.push(dim);
  }
  return dims;
}

function graph(r: ProtoReader): OnnxGraph {
  const g: OnnxGraph = { name: "", node: [], initializer: [], input: [], output: [] };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === LEN) g.node.push(node(r.message(), g.node.length));
    else if (field === 2 && wire === LEN) g.name = r.string();
    else if (field === 5 && wire === LEN) g.initializer.push(tensor(r.message()));
    else if (field === 11 && wire === LEN) g.input.push(valueInfo(r.message()));
    else if (field === 12 && wire === LEN) g.output.push(valueInfo(r.message()));
    else r.skip(wire);
  }
  return g;
}

/** Decodes a ModelProto. Throws FormatError (naming `where` and the byte offset) on malformed bytes. */
export function decodeModel(bytes: Uint8Array, where: string): OnnxModel {
  const r = ProtoReader.of(bytes, where);
  const m: OnnxModel = { irVersion: 0, producerName: "", producerVersion: "", opsets: [] };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === VARINT) m.irVersion = r.int64("ir_version");
    else if (field === 2 && wire === LEN) m.producerName = r.string();
    else if (field === 3 && wire === LEN) m.producerVersion = r.string();
    else if (field === 7 && wire === LEN) m.graph = graph(r.message());
    else if (field === 8 && wire === LEN) {
      const o = r.message();
      const opset = { domain: "", version: 0 };
      while (o.more()) {
        const k = o.tag();
        if (k.field === 1 && k.wire === LEN) opset.domain = o.string();
        else if (k.field === 2 && k.wire === VARINT) opset.version = o.int64("opset version");
        else o.skip(k.wire);
      }
      m.opsets.push(opset);
    } else r.skip(wire);
  }
  if (!m.graph) throw new FormatError(`${where}: no graph (ModelProto field 7); this is not an ONNX model, or it is truncated.`);
  return m;
}
