#!/usr/bin/python3
"""Inputs and numpy check of test/lit/codegen/dynamic-reshape.mlir.

  dynamic_reshape.py DIR B T          writes DIR/x.npy [B,T,4], DIR/w.npy [4,3], DIR/y.npy [B*T,3]
  dynamic_reshape.py DIR B T --check OUT  compares OUT/out*.npy with numpy's results
"""
import sys

import numpy as np


def main():
    d, b, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(14 + b * 100 + t)
    if len(sys.argv) == 4:
        np.save(f"{d}/x.npy", rng.standard_normal((b, t, 4)).astype(np.float32))
        np.save(f"{d}/w.npy", rng.standard_normal((4, 3)).astype(np.float32))
        np.save(f"{d}/y.npy", rng.standard_normal((b * t, 3)).astype(np.float32))
        return
    out = sys.argv[5]
    x, w, y = (np.load(f"{d}/{n}.npy").astype(np.float64) for n in ("x", "w", "y"))
    m = x.reshape(b * t, 4) @ w + y  # [B,T,4] -> [B*T,4]: the flattened batch of sequences
    ref = [np.exp(m).reshape(b, t, 3), m, m.reshape(b, t * 3)]
    for i, r in enumerate(ref):
        got = np.load(f"{out}/out{i}.npy")
        err = np.abs(got - r).max() / max(1.0, np.abs(r).max())
        print(f"output {i}: {list(got.shape)} {'ok' if got.shape == r.shape and err < 1e-5 else f'MISMATCH {err}'}")


if __name__ == "__main__":
    main()
