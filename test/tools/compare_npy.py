#!/usr/bin/python3
"""Compares grad-run's outputs against numpy references written by make_reference.py.

Usage: compare_npy.py [--rtol R] [--atol A] REFDIR OUTDIR
  REFDIR holds ref0.npy, ref1.npy, ...; OUTDIR holds grad-run's out0.npy, out1.npy, ...
  Both sets must have the same count; each pair must have the same dtype and shape, and equal
  values (integers, bools) or values within numpy.allclose(rtol, atol) (floats; NaNs must match).
Prints one line per array and "all N outputs match"; exits 1 on the first mismatch with the
worst element, so a failing lit test says what differs.
"""
import argparse
import glob
import os
import sys

import numpy as np


def numbered(d, prefix):
    files = glob.glob(os.path.join(d, prefix + "*.npy"))
    return sorted(files, key=lambda f: int(os.path.basename(f)[len(prefix):-4]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--atol", type=float, default=1e-6)
    p.add_argument("refdir")
    p.add_argument("outdir")
    a = p.parse_args()
    refs = numbered(a.refdir, "ref")
    outs = numbered(a.outdir, "out")
    if not refs:
        print("error: no ref*.npy in %s" % a.refdir)
        return 1
    if len(refs) != len(outs):
        print("error: %d references but %d outputs" % (len(refs), len(outs)))
        return 1
    for i, (rf, of) in enumerate(zip(refs, outs)):
        r, o = np.load(rf), np.load(of)
        if r.dtype != o.dtype or r.shape != o.shape:
            print("output %d: expected %s%s, got %s%s" % (i, r.dtype, list(r.shape), o.dtype,
                                                          list(o.shape)))
            return 1
        if r.dtype.kind == "f":
            ok = np.allclose(o, r, rtol=a.rtol, atol=a.atol, equal_nan=True)
        else:
            ok = np.array_equal(o, r)
        if not ok:
            err = np.abs(o.astype(np.float64) - r.astype(np.float64))
            k = np.unravel_index(np.nanargmax(err), err.shape) if err.size else ()
            print("output %d: mismatch at %s: expected %r, got %r (rtol %g, atol %g)" %
                  (i, list(k), r[k], o[k], a.rtol, a.atol))
            return 1
        print("output %d: %s%s ok" % (i, r.dtype, list(r.shape)))
    print("all %d outputs match" % len(refs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
