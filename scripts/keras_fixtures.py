"""Writes the Keras 3 fixtures of test/io_keras_file.test.ts: small models saved by Keras 3's own
model.save("x.keras"), each beside `<name>.json` holding a fixed input batch and what Keras predicts for it
(float32), so the tests compare simdnn against Keras. Plus two files simdnn must refuse: the same archive
with its entries deflated, and a weights file whose datasets are chunked.

Keras 3.15.1 on the JAX backend, from the wheels in /opt/pypi/files (no network):
  python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install --no-index --find-links /opt/pypi/files keras==3.15.1 jax jaxlib h5py
  KERAS_BACKEND=jax /tmp/kvenv/bin/python scripts/keras_fixtures.py
"""
import io
import json
import os
import zipfile

import h5py
import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "keras3")
L = keras.layers


def randomize(model, seed):
    """Weights (and BatchNormalization's moving statistics) away from their initial values."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for w in layer.weights:
            v = rng.uniform(-1, 1, w.shape).astype("float32")
            if "variance" in w.path:
                v = np.abs(v) + 0.2
            w.assign(v)


def save_case(name, model, features, seed):
    randomize(model, seed)
    x = np.random.default_rng(seed + 100).uniform(-2.5, 2.5, (4, features)).astype("float32")
    model.save(os.path.join(OUT, name + ".keras"))
    y = np.asarray(model.predict(x, verbose=0))
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"keras": keras.__version__, "input": x.tolist(), "inputShape": list(x.shape), "output": y.tolist()}, f, separators=(",", ":"))


def refusals():
    src = os.path.join(OUT, "mlp.keras")
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(os.path.join(OUT, "refuse_deflated.keras"), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    # the same weights rewritten with chunked datasets
    chunked = io.BytesIO()
    with h5py.File(io.BytesIO(entries["model.weights.h5"]), "r") as a, h5py.File(chunked, "w") as b:
        def copy(name, obj):
            if isinstance(obj, h5py.Dataset):
                b.create_dataset(name, data=obj[()], chunks=True)
        a.visititems(copy)
    with zipfile.ZipFile(os.path.join(OUT, "refuse_chunked.keras"), "w") as z:
        for n, b in entries.items():
            z.writestr(n, chunked.getvalue() if n == "model.weights.h5" else b)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(3)
    save_case("mlp", keras.Sequential([keras.Input((5,)), L.Dense(7, activation="relu"), L.Dense(3, activation="softmax")]), 5, 1)
    save_case("norms", keras.Sequential([
        keras.Input((6,)), L.Dense(8), L.BatchNormalization(epsilon=1e-3), L.ReLU(max_value=2.5), L.LayerNormalization(),
        L.Dense(5, use_bias=False), L.PReLU(), L.Dense(2),
    ]), 6, 2)
    save_case("leaky", keras.Sequential([keras.Input((4,)), L.Dense(6), L.LeakyReLU(negative_slope=0.2), L.Dense(3, activation="tanh")]), 4, 3)
    inp = keras.Input((5,))
    out = L.Dense(3, activation="softmax")(L.LayerNormalization()(L.Dense(6, activation="gelu")(inp)))
    save_case("functional", keras.Model(inp, out), 5, 4)  # a Functional chain: the container holds its InputLayer
    refusals()
    print("wrote", sorted(os.listdir(OUT)), "to", os.path.normpath(OUT))
