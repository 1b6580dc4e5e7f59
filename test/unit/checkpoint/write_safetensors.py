#!/usr/bin/env python3
"""Independent safetensors writer (struct + json only; no project code, no numpy) for the interop
test: writes the tensors that safetensors_test.cpp `Interop.ReadsAFileWrittenByPython` expects.

The data is laid out in an order different from the header's key order (the reference writer
sorts by dtype alignment, then name), so that the reader must follow data_offsets.
Usage: write_safetensors.py OUT"""
import json
import struct
import sys


def main(out_path):
    # name -> (dtype, shape, struct format char, values)
    tensors = {
        "weight": ("F32", [2, 3], "f", [0.5 * i - 1.0 for i in range(6)]),
        "third": ("F32", [], "f", [1.0 / 3.0]),
        "bias": ("F64", [3], "d", [1.0 / 3.0, -2.5, 1e300]),
        "index": ("I64", [2, 2], "q", [0, -1, 2**62, -(2**63)]),
        "mask": ("BOOL", [4], "?", [True, False, False, True]),
        "empty": ("F32", [0, 3], "f", []),
    }
    data_order = ["index", "bias", "weight", "empty", "third", "mask"]
    header = {"__metadata__": {"format": "pt", "writer": "write_safetensors.py"}}
    blobs = []
    offset = 0
    for name in data_order:
        dtype, shape, fmt, values = tensors[name]
        blob = struct.pack("<" + fmt * len(values), *values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, sort_keys=True).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(out_path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1])
