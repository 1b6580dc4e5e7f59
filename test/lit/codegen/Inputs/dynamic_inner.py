#!/usr/bin/python3
"""Inputs and numpy references of test/lit/codegen/dynamic-inner.mlir.

  dynamic_inner.py DIR ROWS COLS [negative]
      writes DIR/x.npy, DIR/m.npy (a causal-style mask) and DIR/ref0.npy, DIR/ref1.npy (the
      masked softmax, its row sums); `negative`: every x < -1 (a row max that a padding lane
      of 0 would win)
"""
import sys

import numpy as np


def main():
    d, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(rows * 100 + cols)
    x = (rng.standard_normal((rows, cols)) * 3).astype(np.float32)
    if len(sys.argv) > 4 and sys.argv[4] == "negative":
        x = -np.abs(x) - np.float32(1)
    m = np.tril(np.ones((rows, cols), bool), k=cols - rows)  # row i keeps cols <= i + cols - rows
    np.save(f"{d}/x.npy", x)
    np.save(f"{d}/m.npy", m)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    me = np.where(m, e, np.float32(0))
    s = me.sum(axis=1, keepdims=True, dtype=np.float32)
    np.save(f"{d}/ref0.npy", (me / s).astype(np.float32))
    np.save(f"{d}/ref1.npy", s.astype(np.float32))


if __name__ == "__main__":
    main()
