#!/usr/bin/env python3
"""Writes the safetensors fixtures of test/io_safetensors.test.ts from real torch modules.

The file format is written here by hand (struct + json), following the format section of
huggingface/safetensors' README and its reference writer (safetensors/src/tensor.rs `prepare`),
so the fixtures do not depend on simdnn's own TypeScript writer:
  8-byte little-endian u64 N, N bytes of JSON header padded with spaces to a multiple of 8, then
  the byte buffer; tensors sorted by descending dtype alignment, then by name; offsets relative
  to the buffer; `__metadata__` first.

Run with Debian's python3 (torch 1.13):  /usr/bin/python3 scripts/safetensors_fixtures.py
"""
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "safetensors")

# name, torch dtype, element size, alignment rank (the reference's Dtype enum order)
DTYPES = {
    torch.bool: ("BOOL", 1, 0), torch.uint8: ("U8", 1, 1), torch.int8: ("I8", 1, 2),
    torch.int16: ("I16", 2, 5), torch.float16: ("F16", 2, 7), torch.bfloat16: ("BF16", 2, 8),
    torch.int32: ("I32", 4, 9), torch.float32: ("F32", 4, 11), torch.float64: ("F64", 8, 12),
    torch.int64: ("I64", 8, 13),
}


def tensor_bytes(t):
    """Row-major little-endian bytes (bf16 has no numpy dtype: go through its int16 bit pattern)."""
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-DTYPES[kv[1].dtype][2], kv[0].encode("utf-8")))
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in items:
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def randomize(model, gen):
    """Non-default values everywhere so that a weight that is not loaded shows in the output."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.5 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.fill_(37)
            elif isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen))
            elif isinstance(m, torch.nn.PReLU):
                m.weight.copy_(0.1 + 0.4 * torch.rand(m.weight.shape, generator=gen))


def fixture(name, model, n_in, gen):
    randomize(model, gen)
    model.eval()
    x = torch.randn(6, n_in, generator=gen)
    with torch.no_grad():
        y = model(x)
    save(f"{name}.safetensors", model.state_dict(), {"format": "pt", "source": "scripts/safetensors_fixtures.py"})
    save(f"{name}_io.safetensors", {"x": x, "y": y})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(15)
    # the spec's model: the square Linear 7→7 proves the transpose (a square kernel fits both ways)
    mlp = torch.nn.Sequential(
        torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.BatchNorm1d(7), torch.nn.Linear(7, 7),
        torch.nn.PReLU(), torch.nn.LayerNorm(7), torch.nn.Linear(7, 3),
    )
    fixture("mlp", mlp, 5, gen)
    # one alpha per channel, and a module prefix as a wrapper gives it (net.0.weight …)
    wrapped = torch.nn.Module()
    wrapped.net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.PReLU(4), torch.nn.Linear(4, 2))
    randomize(wrapped, gen)
    wrapped.eval()
    x = torch.randn(3, 5, generator=gen)
    with torch.no_grad():
        y = wrapped.net(x)
    save("prelu_channels.safetensors", wrapped.state_dict())
    save("prelu_channels_io.safetensors", {"x": x, "y": y})
    # every dtype the reader converts, next to torch's own float32 conversion of the same values
    base = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, 3.14159, -1e-3, 1e4])
    specials = torch.tensor([float("inf"), float("-inf"), float("nan")])
    ints = torch.tensor([0, 1, -1, 127, -128, 100, -7])
    dt = {
        "f16": torch.cat([base, specials]).half(), "bf16": torch.cat([base * 1e30, specials]).bfloat16(),
        "f64": torch.cat([base.double() / 3, specials.double()]), "i64": ints.long() * 1000003,
        "i32": ints.int() * 1009, "i16": ints.short() * 13, "i8": ints.to(torch.int8), "u8": (ints + 128).to(torch.uint8),
        "bool": ints > 0, "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
    }
    ref = {f"{k}.as_f32": v.float() for k, v in dt.items()}
    save("dtypes.safetensors", {**dt, **ref}, {"note": "each X.as_f32 is torch's float32 conversion of X"})


if __name__ == "__main__":
    main()
