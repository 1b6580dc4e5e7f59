#!/usr/bin/python3
"""Inputs of test/lit/codegen/dynamic.mlir: @ops at 5 and at 1 rows (and mismatched sizes).

  dynamic_inputs.py DIR             writes DIR/*.npy
  dynamic_inputs.py DIR --as-ref D  renames D/out*.npy to D/ref*.npy (interpreter outputs as
                                    the reference of compare_npy.py)
"""
import os
import sys

import numpy as np


def main():
    d = sys.argv[1]
    if len(sys.argv) > 3 and sys.argv[2] == "--as-ref":
        ref = sys.argv[3]
        for f in os.listdir(ref):
            if f.startswith("out") and f.endswith(".npy"):
                os.rename(os.path.join(ref, f), os.path.join(ref, "ref" + f[3:]))
        return
    rng = np.random.default_rng(14)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    for n in (5, 3, 1):
        np.save(f"{d}/x{n}.npy", f32(n, 4))
        np.save(f"{d}/y{n}.npy", f32(n, 4) * 3)
        np.save(f"{d}/idx{n}.npy", rng.integers(0, 6, n).astype(np.int64))
        np.save(f"{d}/a{n}.npy", f32(n, 2, 3))
        np.save(f"{d}/c{n}.npy", f32(n, 3, 5))
    np.save(f"{d}/w.npy", f32(4, 3))
    np.save(f"{d}/b.npy", f32(3))
    np.save(f"{d}/table.npy", f32(6, 4))


if __name__ == "__main__":
    main()
