#!/usr/bin/env python3
"""Checks examples/aot: runs the AOT-compiled program and compares every output with numpy.

The reference is computed here independently of grad: the MLP forward pass, its mean squared
error and the gradients of that loss by hand-written backpropagation, on the same closed-form
inputs as main.c. Also checks that wrong arguments give the documented error statuses and
that the program and the object depend on nothing but libgradrt, libc, libm and libomp (the
OpenMP runtime that parallel loops call, a link dependency of libgradrt; no LLVM, MLIR or eager
library).

usage: check_aot.py PROGRAM OBJECT
"""
import re
import subprocess
import sys

import numpy as np


def input_value(which, shape):
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (0.8 * np.sin(0.37 * k + which)).astype(np.float32).reshape(shape)


def reference():
    shapes = [(4, 3), (3, 5), (5,), (5, 2), (2,), (4, 2)]
    x, w1, b1, w2, b2, t = [input_value(i, s).astype(np.float64) for i, s in enumerate(shapes)]
    pre = x @ w1 + b1
    h = np.maximum(pre, 0.0)
    y = h @ w2 + b2
    diff = y - t
    loss = np.mean(diff * diff)
    # Backpropagation of loss = mean((h @ w2 + b2 - t)^2), h = relu(x @ w1 + b1).
    dy = 2.0 * diff / diff.size
    dw2 = h.T @ dy
    db2 = dy.sum(axis=0)
    dh = dy @ w2.T
    dpre = dh * (pre > 0)
    dw1 = x.T @ dpre
    db1 = dpre.sum(axis=0)
    return {
        "mlp_mlp.out0": y,
        "mlp_mlp.out1": (y > -1.0).astype(np.float64),
        "mlp_mlp_loss.out0": np.array(loss),
        "mlp_mlp_loss_grad.out0": np.array(loss),
        "mlp_mlp_loss_grad.out1": dw1,
        "mlp_mlp_loss_grad.out2": db1,
        "mlp_mlp_loss_grad.out3": dw2,
        "mlp_mlp_loss_grad.out4": db2,
    }


# The status each bad call in main.c must return, exactly.
EXPECTED_ERRORS = {
    "wrong_shape": "INVALID_ARGUMENT: mlp_mlp: input 0: shape mismatch at dimension 1: "
                   "expected f32[4, 3], got f32[4, 2]",
    "wrong_dtype": "INVALID_ARGUMENT: mlp_mlp: input 0: dtype mismatch: expected f32[4, 3], "
                   "got f64[4, 3]",
    "null_data": "INVALID_ARGUMENT: mlp_mlp: input 1: f32[3, 5] has a NULL data pointer",
    "aliased_output": "INVALID_ARGUMENT: mlp_mlp: output 0 overlaps input 0 in memory; outputs "
                      "must be separate buffers",
    "null_inputs": "INVALID_ARGUMENT: mlp_mlp: inputs is NULL",
}

LINE = re.compile(r"^(\S+) (f32|f64|i64|b8)\[([0-9, ]*)\]:(.*)$")


def main():
    program, obj = sys.argv[1], sys.argv[2]
    run = subprocess.run([program], capture_output=True, text=True)
    failures = []
    if run.returncode != 0:
        failures.append(f"{program} exited with {run.returncode}: {run.stderr}")
    got = {}
    errors = {}
    for line in run.stdout.splitlines():
        case = line.split(" ", 1)[0]
        if case in EXPECTED_ERRORS:
            errors[case] = line.split(" ", 1)[1]
            continue
        m = LINE.match(line)
        if not m:
            failures.append(f"unexpected output line: {line}")
            continue
        shape = tuple(int(d) for d in m.group(3).split(",")) if m.group(3).strip() else ()
        values = np.array([float(v) for v in m.group(4).split()], dtype=np.float64)
        got[m.group(1)] = (m.group(2), values.reshape(shape))

    for name, expected in reference().items():
        if name not in got:
            failures.append(f"{name}: missing from the program's output")
            continue
        dtype, value = got[name]
        if value.shape != expected.shape:
            failures.append(f"{name}: shape {value.shape}, expected {expected.shape}")
        elif not np.allclose(value, expected, rtol=1e-5, atol=1e-6):
            failures.append(f"{name}: got {value.tolist()}, expected {expected.tolist()}")
        else:
            print(f"ok {name} {dtype}{list(value.shape)}")

    for case, expected in EXPECTED_ERRORS.items():
        if errors.get(case) != expected:
            failures.append(f"{case}: printed {errors.get(case)!r}, expected {expected!r}")
        else:
            print(f"ok {case} -> {expected}")

    # Nothing but libgradrt, libc, libm and libomp (LLVM's OpenMP runtime: docs/threads.md) at
    # run time.
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                        subprocess.run(["readelf", "-d", program], capture_output=True,
                                       text=True, check=True).stdout)
    allowed = re.compile(r"^(libgradrt\.so.*|libc\.so\.6|libm\.so\.6|libomp\.so\.5|ld-linux.*)$")
    extra = [lib for lib in needed if not allowed.match(lib)]
    if extra or not any(lib.startswith("libgradrt") for lib in needed):
        failures.append(f"program needs {needed}; only libgradrt, libc, libm and libomp are allowed")
    else:
        print(f"ok program needs only {needed}")
    undefined = subprocess.run(["nm", "-u", obj], capture_output=True, text=True,
                               check=True).stdout.split()
    undefined = [s for s in undefined if s != "U"]
    suspicious = [s for s in undefined if re.match(r"^(_mlir|mlir|_ZN4mlir|_ZN4llvm|LLVM)", s)]
    if suspicious:
        failures.append(f"{obj} needs MLIR/LLVM symbols: {suspicious}")
    else:
        print(f"ok object's undefined symbols: {undefined}")

    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
