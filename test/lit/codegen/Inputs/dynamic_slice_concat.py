#!/usr/bin/python3
"""Inputs and numpy check of test/lit/codegen/dynamic-slice-concat.mlir.

  dynamic_slice_concat.py DIR B T              writes DIR/x.npy [B,T,12], DIR/y.npy [3,T,4]
  dynamic_slice_concat.py DIR B T --check OUT  compares OUT/out*.npy with numpy's results
"""
import sys

import numpy as np


def main():
    d, b, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(14 + b * 100 + t)
    if len(sys.argv) == 4:
        np.save(f"{d}/x.npy", rng.standard_normal((b, t, 12)).astype(np.float32))
        np.save(f"{d}/y.npy", rng.standard_normal((3, t, 4)).astype(np.float32))
        return
    out = sys.argv[5]
    x, y = (np.load(f"{d}/{n}.npy") for n in ("x", "y"))
    q, k, v = x[:, :, 0:4], x[:, :, 4:8], x[:, :, 8:12]  # fused q, k, v
    s = x[0:2, 1::2, 0:12:3]  # a static limit along B, T from 1 to its end by 2
    ref = [np.concatenate([q, v], 2),  # `?` dims outside the axis
           np.concatenate([k, np.exp(v)], 1),  # along the `?` axis T: T + T
           s,
           np.concatenate([q, y], 0),  # along the `?` axis B with a static piece: B + 3
           np.concatenate([s, s], 1)]  # a strided `?` size twice
    for i, r in enumerate(ref):
        got = np.load(f"{out}/out{i}.npy")
        err = np.abs(got - r).max() / max(1.0, np.abs(r).max()) if got.shape == r.shape else 1
        print(f"output {i}: {list(got.shape)} {'ok' if got.shape == r.shape and err < 1e-6 else f'MISMATCH {err}'}")


if __name__ == "__main__":
    main()
