#!/usr/bin/python3
"""Runs and checks @FN_grad of test/lit/autodiff/dynamic.mlir (functions with `?` dims).

  dynamic_grad.py GRAD_RUN MODULE DIR FN SIZES...
      writes inputs for FN at SIZES (f64; gather indices i64) into DIR, runs
      `GRAD_RUN MODULE --fn=FN_grad` on them compiled and with --interpret, and compares each
      run's outputs with numpy: out0.npy (f) and f's other results, then the gradients of f
      with respect to its floating-point inputs, by central finite differences in f64. Prints
      one line per output: "ok" or "MISMATCH".
"""
import os
import subprocess
import sys

import numpy as np


def log_softmax(s):
    d = s - s.max(axis=-1, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=-1, keepdims=True))


def mlp_hidden(x, w, b, s):
    return np.tanh((x @ w + b) * s) + 0.5 * np.exp(-x @ w)


# name: (input shapes from the sizes, forward in numpy[, f's other results in numpy])
FUNCTIONS = {
    # x [N,3], w [3,4], b [4], s [N,1]; f also returns its [N,4] hidden values
    "mlp": (lambda n: [(n, 3), (3, 4), (4,), (n, 1)],
            lambda x, w, b, s: np.mean(mlp_hidden(x, w, b, s)),
            lambda x, w, b, s: [mlp_hidden(x, w, b, s)]),
    # x [N,M]
    "reduce": (lambda n, m: [(n, m)],
               lambda x: x.max(axis=1).sum() + np.exp(x).mean() + (x.sum(axis=0) ** 2).mean()),
    # x [A,B,C]: a mean over three `?` dims
    "mean3": (lambda a, b, c: [(a, b, c)], lambda x: np.mean(np.sin(x) * x)),
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
    # x [B,T,12]: slices to the end of `?` dims (x[1:] and x[:, 1:]), a concat
    "slices": (lambda b, t: [(b, t, 12)],
               lambda x: np.sin(np.concatenate([x[1:, :, 0:4] * x[1:, :, 4:8], x[1:, :, 0:4]],
                                               axis=2)).sum()
               + np.mean(x[:, 1:, 8:12] ** 2)),
    # x [N,2]
    "select": (lambda n: [(n, 2)],
               lambda x: np.where(x > 0, x * x, -3.0 * x).sum() + np.abs(x).mean()),
    # x [B,T,6], y [B,T,3] (dynamic-slice.mlir): fused q, k, v slices, a strided one from T = 1
    "qkv": (lambda b, t: [(b, t, 6), (b, t, 3)],
            lambda x, y: (np.exp(x[:, :, 0:2]) * x[:, :, 2:4]).sum()
            + 0.5 * (np.concatenate([x[:, :, 2:4], x[:, :, 4:6]], 2) ** 2).sum()
            + np.sin(np.concatenate([x[:, :, 0:2], y], 2)).sum()
            + (x[:, 1:, 0:6:3] ** 2).sum()),
}


def b_t(x):
    return x.shape[0] * x.shape[1]


def check(fn, sizes, inputs, forward, others, out_dir, mode):
    f = forward(*inputs)
    got = np.load(f"{out_dir}/out0.npy")
    ok = abs(got - f) <= 1e-9 * max(1, abs(f))
    print(f"{fn} {sizes} {mode} f: {'ok' if ok else f'MISMATCH {got} {f}'}")
    out = 1
    for r in others(*inputs):
        got = np.load(f"{out_dir}/out{out}.npy")
        ok = got.shape == r.shape and np.abs(got - r).max() <= 1e-9 * max(1, np.abs(r).max())
        print(f"{fn} {sizes} {mode} result {out}: {list(got.shape)} {'ok' if ok else 'MISMATCH'}")
        out += 1
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
        g = np.load(f"{out_dir}/out{out}.npy")
        out += 1
        err = np.abs(g - fd).max() / max(1.0, np.abs(fd).max()) if g.shape == fd.shape else None
        ok = err is not None and err < 1e-6
        print(f"{fn} {sizes} {mode} grad {i}: {list(g.shape)} {'ok' if ok else f'MISMATCH {err}'}")


def main():
    grad_run, module, d, fn = sys.argv[1:5]
    sizes = [int(a) for a in sys.argv[5:]]
    shapes_of, forward, *rest = FUNCTIONS[fn]
    others = rest[0] if rest else lambda *inputs: []
    rng = np.random.default_rng(14 + sum(s * 10 ** i for i, s in enumerate(sizes)))
    inputs = []
    for shape in shapes_of(*sizes):
        if shape == "idx":
            inputs.append(rng.integers(0, 6, size=sizes[0]).astype(np.int64))
        else:
            inputs.append(rng.standard_normal(shape))
    os.makedirs(d, exist_ok=True)
    args = []
    for i, x in enumerate(inputs):
        np.save(f"{d}/in{i}.npy", x)
        args.append(f"--input={d}/in{i}.npy")
    for mode, extra in (("compiled", []), ("interpreted", ["--interpret"])):
        out_dir = f"{d}/{mode}"
        subprocess.run([grad_run, module, f"--fn={fn}_grad", *args, f"--output-dir={out_dir}",
                        "--quiet", *extra], check=True)
        check(fn, sizes, inputs, forward, others, out_dir, mode)


if __name__ == "__main__":
    main()
