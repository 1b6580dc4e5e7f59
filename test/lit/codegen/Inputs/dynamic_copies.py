#!/usr/bin/python3
"""Inputs and numpy check of test/lit/codegen/dynamic-copies.mlir.

  dynamic_copies.py DIR B T              writes DIR/x.npy [B,T,4], DIR/w1.npy, DIR/w2.npy [4,8]
  dynamic_copies.py DIR B T --check OUT  compares OUT/out*.npy with numpy's results
"""
import sys

import numpy as np


def main():
    d, b, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(1400 + b * 100 + t)
    if len(sys.argv) == 4:
        np.save(f"{d}/x.npy", rng.standard_normal((b, t, 4)).astype(np.float32))
        np.save(f"{d}/w1.npy", rng.standard_normal((4, 8)).astype(np.float32))
        np.save(f"{d}/w2.npy", rng.standard_normal((4, 8)).astype(np.float32))
        return
    out = sys.argv[5]
    x, w1, w2 = (np.load(f"{d}/{n}.npy").astype(np.float64) for n in ("x", "w1", "w2"))
    f = x.reshape(b * t, 4)
    u1, u2 = (f @ w1).reshape(b, t, 8), (f @ w2).reshape(b, t, 8)
    ref = [u1 * 0.5, np.exp(u2) + 0.5]
    for i, r in enumerate(ref):
        got = np.load(f"{out}/out{i}.npy")
        err = np.abs(got - r).max() / max(1.0, np.abs(r).max())
        print(f"output {i}: {list(got.shape)} {'ok' if got.shape == r.shape and err < 1e-5 else f'MISMATCH {err}'}")


if __name__ == "__main__":
    main()
