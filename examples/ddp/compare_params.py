#!/usr/bin/env python3
"""compare_params.py A B TOL: checks that two safetensors files hold the same tensors (names,
dtypes, shapes) with values within TOL (max absolute difference). Reads the format directly
(struct + json), independent of grad. Exit 0 when they match, 1 with a message otherwise."""
import json
import struct
import sys

FORMATS = {"F32": ("f", 4), "F64": ("d", 8)}


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        code, size = FORMATS[e["dtype"]]
        lo, hi = e["data_offsets"]
        out[name] = (e["dtype"], e["shape"], struct.unpack("<%d%s" % ((hi - lo) // size, code),
                                                          data[lo:hi]))
    return out


def main():
    a, b, tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
    if a.keys() != b.keys():
        print("different tensors: %s vs %s" % (sorted(a), sorted(b)))
        return 1
    worst = 0.0
    for name in a:
        if a[name][:2] != b[name][:2]:
            print("%s: %s vs %s" % (name, a[name][:2], b[name][:2]))
            return 1
        diff = max((abs(x - y) for x, y in zip(a[name][2], b[name][2])), default=0.0)
        worst = max(worst, diff)
        if diff > tol:
            print("%s: max |difference| %.3g > %g" % (name, diff, tol))
            return 1
    print("%d tensors match: max |difference| %.3g <= %g" % (len(a), worst, tol))
    return 0


if __name__ == "__main__":
    sys.exit(main())
