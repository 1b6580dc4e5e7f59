#!/usr/bin/python3
"""Writes malformed and unsupported .npy files (plus one valid file) into the directory argv[1],
made with numpy itself where numpy can write them, for the grad-run error tests."""
import os
import sys

import numpy as np

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
a = np.arange(6, dtype=np.float32).reshape(2, 3)
np.save(os.path.join(d, "good.npy"), a)
np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(a))
np.save(os.path.join(d, "bigendian.npy"), a.astype(">f4"))
np.save(os.path.join(d, "int32.npy"), a.astype(np.int32))
np.save(os.path.join(d, "float16.npy"), a.astype(np.float16))
np.save(os.path.join(d, "complex.npy"), a.astype(np.complex64))
np.save(os.path.join(d, "object.npy"), np.array([1, "x"], dtype=object), allow_pickle=True)
with open(os.path.join(d, "v2.npy"), "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))
good = open(os.path.join(d, "good.npy"), "rb").read()
open(os.path.join(d, "truncated.npy"), "wb").write(good[:-5])
open(os.path.join(d, "header_only.npy"), "wb").write(good[:20])
open(os.path.join(d, "badmagic.npy"), "wb").write(b"\x93NUMPZ" + good[6:])
open(os.path.join(d, "empty.npy"), "wb").write(b"")
open(os.path.join(d, "text.npy"), "wb").write(b"1.0 2.0 3.0\n")
