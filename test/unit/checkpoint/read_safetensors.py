#!/usr/bin/env python3
"""Independent safetensors reader (struct + json only; no project code, no numpy) for the interop
test: checks the file that safetensors_test.cpp `Interop.PythonReadsAFileWrittenByGrad` writes
(the layout rules of the format and every value, bit for bit). Exit status 0 when it matches,
1 with a message otherwise. Usage: read_safetensors.py FILE"""
import json
import struct
import sys

FORMATS = {"F32": ("f", 4), "F64": ("d", 8), "I64": ("q", 8), "BOOL": ("?", 1)}


def f32(x):
    """x rounded to float32 and back, as C++'s static_cast<float>(double) does."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


EXPECTED = {
    "fc.weight": ("F32", [2, 4], [0.125 * i - 0.25 for i in range(8)]),
    "fc.bias": ("F32", [2], [f32(-0.0), f32(1.0 / 3.0)]),
    "state.0.step": ("I64", [], [7]),
    "big": ("F64", [3], [1.0 / 3.0, -1e-310, 2.0 ** 1000]),
    "ids": ("I64", [3], [-(2 ** 63), 0, 2 ** 63 - 1]),
    "mask": ("BOOL", [2, 2], [True, False, True, True]),
    "transposed": ("F32", [3, 2], [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]),
    "nothing": ("F64", [0], []),
}
EXPECTED_ORDER = list(EXPECTED)  # grad::save keeps the order it is given


def fail(msg):
    print("read_safetensors.py: " + msg)
    sys.exit(1)


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    if n % 8 != 0:
        fail("header length %d is not a multiple of 8" % n)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    if meta != {"format": "pt", "epoch": "3"}:
        fail("metadata %r" % meta)
    if set(header) != set(EXPECTED):
        fail("keys %s, expected %s" % (sorted(header), sorted(EXPECTED)))
    order = sorted(header, key=lambda k: header[k]["data_offsets"])
    if order != EXPECTED_ORDER:
        fail("data order %s, expected %s" % (order, EXPECTED_ORDER))
    cursor = 0
    for name in order:
        info = header[name]
        dtype, shape, values = EXPECTED[name]
        begin, end = info["data_offsets"]
        if begin != cursor:
            fail("%s: data starts at %d, expected %d" % (name, begin, cursor))
        cursor = end
        if info["dtype"] != dtype or info["shape"] != shape:
            fail("%s: %s %s, expected %s %s" % (name, info["dtype"], info["shape"], dtype, shape))
        fmt, size = FORMATS[dtype]
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * size:
            fail("%s: %d bytes for %d elements" % (name, end - begin, count))
        got = list(struct.unpack("<" + fmt * count, data[begin:end]))
        # Compare bit patterns (so that -0.0 and 1/3 rounded to f32 are checked exactly).
        want = struct.pack("<" + fmt * count, *values)
        if data[begin:end] != want:
            fail("%s: values %r, expected %r" % (name, got, values))
    if cursor != len(data):
        fail("%d trailing bytes" % (len(data) - cursor))
    print("read_safetensors.py: %d tensors match" % len(order))


if __name__ == "__main__":
    main(sys.argv[1])
