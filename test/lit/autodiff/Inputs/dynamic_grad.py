#!/usr/bin/python3
"""Inputs and numpy check of test/lit/autodiff/dynamic.mlir (@FN_grad of functions with `?` dims).

  dynamic_grad.py DIR FN SIZES...              writes DIR/FN/in0.npy, in1.npy, ... (f64; indices i64)
  dynamic_grad.py DIR FN SIZES... --check OUT  compares OUT/out0.npy (f) and OUT/out1.npy, ...
                                               (the gradients of f with respect to its floating-point
                                               inputs) with numpy: f itself, and its gradients by
                                               central finite differences in f64
"""
import sys

import numpy as np


def log_softmax(s):
    d = s - s.max(axis=-1, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=-1, keepdims=True))


# name: (input shapes from the sizes, forward in numpy)
FUNCTIONS = {
    # x [N,3], w [3,4], b [4], s [N,1]
    "mlp": (lambda n: [(n, 3), (3, 4), (4,), (n, 1)],
            lambda x, w, b, s: np.mean(np.tanh((x @ w + b) * s) + 0.5 * np.exp(-x @ w))),
    # x [N,M]
    "reduce": (lambda n, m: [(n, m)],
               lambda x: x.max(axis=1).sum() + np.exp(x).mean() + (x.sum(axis=0) ** 2).mean()),
    # q, k, v [B,T,4]: softmax attention written with primitives
    "attention": (lambda b, t: [(b, t, 4), (b, t, 4), (b, t, 4)],
                  lambda q, k, v: np.mean((np.exp(log_softmax(q @ k.transpose(0, 2, 1))) @ v) ** 2)
                  + 0.1 * log_softmax(q @ k.transpose(0, 2, 1)).sum()),
    # x [B,T,4], w [4,3]
    "reshape": (lambda b, t: [(b, t, 4), (4, 3)],
                lambda x, w: (np.sin((x.reshape(b_t(x), 4) @ w).reshape(x.shape[0], x.shape[1], 3))
                              .reshape(x.shape[0], x.shape[1] * 3) ** 2).sum()),
    # table [6,4], idx [N] i64, y [N,4]
    "gather": (lambda n: [(6, 4), "idx", (n, 4)],
               lambda table, idx, y: np.mean(table[idx] * y)),
    # x [N,2]
    "select": (lambda n: [(n, 2)],
               lambda x: np.where(x > 0, x * x, -3.0 * x).sum() + np.abs(x).mean()),
}


def b_t(x):
    return x.shape[0] * x.shape[1]


def main():
    d, fn = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    check = None
    if "--check" in args:
        check = args[args.index("--check") + 1]
        args = args[: args.index("--check")]
    sizes = [int(a) for a in args]
    shapes_of, forward = FUNCTIONS[fn]
    shapes = shapes_of(*sizes)
    rng = np.random.default_rng(14 + sum(s * 10 ** i for i, s in enumerate(sizes)))
    inputs = []
    for shape in shapes:
        if shape == "idx":
            inputs.append(rng.integers(0, 6, size=sizes[0]).astype(np.int64))
        else:
            inputs.append(rng.standard_normal(shape))
    if check is None:
        for i, x in enumerate(inputs):
            np.save(f"{d}/in{i}.npy", x)
        return
    inputs = [np.load(f"{d}/in{i}.npy") for i in range(len(inputs))]
    f = forward(*inputs)
    got = np.load(f"{check}/out0.npy")
    print(f"{fn} {sizes} f: {'ok' if abs(got - f) <= 1e-9 * max(1, abs(f)) else f'MISMATCH {got} {f}'}")
    out = 1
    for i, x in enumerate(inputs):
        if x.dtype != np.float64:
            continue
        fd = np.zeros_like(x)
        eps = 1e-6
        for j in np.ndindex(x.shape):
            plus = [a.copy() for a in inputs]
            minus = [a.copy() for a in inputs]
            plus[i][j] += eps
            minus[i][j] -= eps
            fd[j] = (forward(*plus) - forward(*minus)) / (2 * eps)
        g = np.load(f"{check}/out{out}.npy")
        out += 1
        err = np.abs(g - fd).max() / max(1.0, np.abs(fd).max()) if g.shape == fd.shape else None
        ok = err is not None and err < 1e-6
        print(f"{fn} {sizes} grad {i}: {list(g.shape)} {'ok' if ok else f'MISMATCH {err}'}")


if __name__ == "__main__":
    main()
