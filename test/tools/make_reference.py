#!/usr/bin/python3
"""Writes seeded inputs and numpy-computed expected outputs for the grad-run lit tests.

Usage: make_reference.py CASE OUTDIR
  writes OUTDIR/in0.npy, in1.npy, ... (the function's arguments, in order) and
  OUTDIR/ref0.npy, ref1.npy, ... (the function's results, in order).

Each case mirrors one function in test/lit/interp/*.mlir. The expected values are computed here
with numpy in float64 (then cast to the result dtype), independently of grad's kernels, so that a
lit test checks grad-run against a second implementation. Run with /usr/bin/python3 (Debian's
numpy); lit substitutes it as %python_numpy.
"""
import math
import os
import sys

import numpy as np


def rng(seed):
    return np.random.default_rng(seed)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def gelu(x):
    # tanh form, as grad's gelu
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def up(*arrays):
    """float64 copies of float32 inputs: the reference computes in higher precision."""
    return [np.asarray(a, dtype=np.float64) for a in arrays]


# --- cases: name -> function returning (inputs, outputs) -------------------------------------

def case_elementwise():
    r = rng(1)
    x = f32(r.uniform(-2, 2, (3, 4)))
    y = f32(r.uniform(-2, 2, (3, 4)))
    X, Y = up(x, y)
    a = np.tanh(X) * sigmoid(Y)
    b = np.exp(-np.abs(X))
    c = a / (b + 1.0)
    d = c - np.sqrt(np.abs(Y))
    e = d + np.log(np.abs(X) + 1.0)
    f = np.maximum(e, np.minimum(X, Y))
    out0 = gelu(f)
    out1 = np.maximum(np.sin(X), 0.0) + np.cos(Y)
    out2 = (1.0 / np.sqrt(np.abs(X) + 1.0)) * np.power(np.abs(Y) + 1.0, X)
    return [x, y], [f32(out0), f32(out1), f32(out2)]


def case_elementwise_f64():
    r = rng(2)
    x = r.uniform(0.5, 3.0, (2, 5))
    y = r.uniform(-1.0, 1.0, (2, 5))
    out0 = np.log(x) * np.exp(y) - x / (y * y + 1.0)
    out1 = np.tanh(-y) + np.power(x, y)
    return [x, y], [out0, out1]


def case_erf_f64():
    # erf from Python's math module (numpy has none), exact gelu from it.
    r = rng(21)
    x = r.uniform(-4.0, 4.0, (3, 7))
    erf = np.vectorize(math.erf)
    return [x], [erf(x), 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))]


def case_int64():
    r = rng(3)
    a = r.integers(-50, 50, (3, 4)).astype(np.int64)
    b = r.integers(-50, 50, (3, 4)).astype(np.int64)
    out0 = (a + b) * (a - b)
    out1 = np.maximum(a, b) - np.minimum(a, b)
    out2 = a.sum(axis=1)
    return [a, b], [out0, out1, out2]


def case_broadcast():
    r = rng(4)
    x = f32(r.normal(size=(3, 1)))
    y = f32(r.normal(size=(4,)))
    z = f32(r.normal(size=(2, 1, 4)))
    X, Y, Z = up(x, y, z)
    s = np.broadcast_to(X, (3, 4)) + np.broadcast_to(Y, (3, 4))
    out0 = s
    out1 = np.broadcast_to(s, (2, 3, 4)) * np.broadcast_to(Z, (2, 3, 4))
    return [x, y, z], [f32(out0), f32(out1)]


def case_reductions():
    r = rng(5)
    x = f32(r.normal(size=(2, 3, 4)))
    (X,) = up(x)
    return [x], [f32(X.sum(axis=1)), f32(X.mean(axis=(0, 2), keepdims=True)),
                 f32(X.max(axis=2)), f32(X.sum())]


def case_row_reductions():
    # Rows of 256 = 16 x 16 lanes (split into vector partials), f32; a sum, a max, a keepdim mean
    # and a sibling pair (sum(x), sum(x * y)) that the lowering merges into one loop nest.
    r = rng(11)
    x = f32(r.normal(size=(6, 256)))
    y = f32(r.normal(size=(6, 256)))
    X, Y = up(x, y)
    return [x, y], [f32(X.sum(axis=1)), f32(X.max(axis=1)), f32(X.mean(axis=1, keepdims=True)),
                    f32((X * Y).sum(axis=1))]


def case_short_rows():
    # Rows of 64 and 48 (whole-row vectors, test/lit/lowering/short-rows.mlir): an attention-shaped
    # softmax over the last axis of [2, 3, 5, 64] (max, exp-sum, divide) and a row sum of squares.
    r = rng(16)
    x = f32(r.normal(scale=3.0, size=(2, 3, 5, 64)))
    y = f32(r.normal(size=(7, 48)))
    X, Y = up(x, y)
    e = np.exp(X - X.max(axis=3, keepdims=True))
    return [x, y], [f32(e / e.sum(axis=3, keepdims=True)), f32((Y * Y).sum(axis=1))]


def case_row_stats_hoisted():
    # (x - mean(x)) * rsqrt(v) over rows of 256 (test/lit/codegen/row-stats-hoisted.mlir).
    r = rng(17)
    x = f32(r.normal(size=(8, 256)))
    v = f32(r.uniform(0.5, 2.0, size=(8, 1)))
    X, V = up(x, v)
    return [x, v], [f32((X - X.mean(axis=1, keepdims=True)) / np.sqrt(V))]


def case_bool_inputs():
    # A causal-style i1 mask broadcast over batch and heads under `where` after an exp, and the
    # row sums of the result (test/lit/lowering/bool-inputs.mlir).
    r = rng(15)
    x = f32(r.normal(size=(2, 3, 16, 32)))
    y = f32(r.normal(size=(2, 3, 16, 32)))
    m = np.tril(np.ones((16, 32), dtype=bool), k=8)
    X, Y = up(x, y)
    w = np.where(m, np.exp(X), Y)
    return [x, y, m], [f32(w), f32(w.sum(axis=3))]


def case_reduce_broadcast():
    # A whole-tensor reduction that absorbs a broadcast (sum(broadcast(x) * w) over all axes):
    # the compiled path once built an invalid vector.contract for it.
    r = rng(14)
    x = f32(r.normal(size=(3, 1)))
    w = f32(r.normal(size=(2, 3, 4)))
    v = f32(r.normal(size=(4,)))
    m = f32(r.normal(size=(3, 4)))
    X, W, V, M = up(x, w, v, m)
    return [x, w, v, m], [f32((np.broadcast_to(X, (2, 3, 4)) * W).sum()),
                          f32((np.broadcast_to(V, (3, 4)) * M).sum()),
                          f32((np.broadcast_to(X, (3, 4)) * M).sum(axis=1))]


def case_matmul():
    r = rng(6)
    a = f32(r.normal(size=(3, 5)))
    b = f32(r.normal(size=(5, 2)))
    c = f32(r.normal(size=(2, 3, 4)))
    d = f32(r.normal(size=(2, 4, 5)))
    A, B, C, D = up(a, b, c, d)
    return [a, b, c, d], [f32(A @ B), f32(C @ D)]


def case_matmul_f64():
    r = rng(7)
    a = r.normal(size=(4, 3))
    b = r.normal(size=(3, 6))
    return [a, b], [a @ b]


def case_softmax():
    r = rng(8)
    x = f32(r.normal(scale=3.0, size=(4, 6)))
    (X,) = up(x)
    e = np.exp(X - X.max(axis=1, keepdims=True))
    return [x], [f32(e / e.sum(axis=1, keepdims=True))]


def case_select_cmp():
    r = rng(9)
    x = f32(r.normal(size=(5,)))
    y = f32(r.normal(size=(5,)))
    y[2] = x[2]  # one tie, so that le/ge/eq differ from lt/gt
    X, Y = up(x, y)
    gt = X > Y
    return [x, y], [f32(np.where(gt, X, Y * Y)), gt, X <= Y, X == Y]


def case_gather():
    r = rng(10)
    table = f32(r.normal(size=(5, 3)))
    idx = np.array([[4, 0], [2, 2]], dtype=np.int64)
    return [table, idx], [table[idx]]


def case_slice_concat():
    r = rng(11)
    x = f32(r.normal(size=(4, 6)))
    y = f32(r.normal(size=(2, 3)))
    s = x[1:4, 0:6:2]
    return [x, y], [s, np.concatenate([s, y], axis=0)]


def case_transpose_reshape():
    r = rng(12)
    x = f32(r.normal(size=(2, 3, 4)))
    t = np.transpose(x, (2, 0, 1))
    return [x], [t, t.reshape(8, 3)]


def case_convert():
    x = f32([-1.5, 0.0, 2.25, 7.0])
    return [x], [x.astype(np.float64), (x > 0).astype(np.float32)]


def case_call():
    r = rng(13)
    x = f32(r.normal(size=(2, 3)))
    w = f32(r.normal(size=(3, 4)))
    X, W = up(x, w)
    h = np.maximum(X @ W, 0.0)
    return [x, w], [f32(h * h)]


def case_mlp():
    # a two-layer MLP with softmax output, everything as grad primitives
    r = rng(14)
    x = f32(r.normal(size=(4, 3)))
    w1 = f32(r.normal(size=(3, 5)))
    b1 = f32(r.normal(size=(5,)))
    w2 = f32(r.normal(size=(5, 2)))
    X, W1, B1, W2 = up(x, w1, b1, w2)
    h = np.tanh(X @ W1 + B1)
    logits = h @ W2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return [x, w1, b1, w2], [f32(e / e.sum(axis=1, keepdims=True))]


def dynamic_batch(rows, seed):
    # test/lit/interp/dynamic.mlir: @dyn, one function for every number of rows.
    r = rng(seed)
    x, w, s = f32(r.standard_normal((rows, 3))), f32(r.standard_normal((3, 4))), f32(r.standard_normal((rows, 1)))
    xd, wd, sd = up(x, w, s)
    h = np.tanh(xd @ wd + sd)
    return [x, w, s], [f32(h), f32(h.sum(axis=0)), f32(h.mean())]


def dynamic_mlp(rows, seed):
    # test/lit/interp/dynamic-mlp.mlir: case_mlp's function with a dynamic batch dim.
    r = rng(seed)
    x = f32(r.normal(size=(rows, 3)))
    w1 = f32(r.normal(size=(3, 5)))
    b1 = f32(r.normal(size=(5,)))
    w2 = f32(r.normal(size=(5, 2)))
    X, W1, B1, W2 = up(x, w1, b1, w2)
    h = np.tanh(X @ W1 + B1)
    logits = h @ W2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return [x, w1, b1, w2], [f32(e / e.sum(axis=1, keepdims=True))]


def case_dynamic_mlp_rows7():
    return dynamic_mlp(7, 41)


def case_dynamic_mlp_rows1():
    return dynamic_mlp(1, 42)


def case_dynamic_rows5():
    return dynamic_batch(5, 31)


def case_dynamic_rows2():
    return dynamic_batch(2, 32)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main(argv):
    if len(argv) != 3 or argv[1] not in CASES:
        sys.stderr.write("usage: make_reference.py CASE OUTDIR\ncases: %s\n" % " ".join(sorted(CASES)))
        return 2
    inputs, outputs = CASES[argv[1]]()
    os.makedirs(argv[2], exist_ok=True)
    # np.array(order="C"): C-order copies (np.save of a transposed view would write Fortran
    # order), keeping 0-d arrays 0-d (np.ascontiguousarray would make them 1-d).
    for i, a in enumerate(inputs):
        np.save(os.path.join(argv[2], "in%d.npy" % i), np.array(a, order="C"))
    for i, a in enumerate(outputs):
        np.save(os.path.join(argv[2], "ref%d.npy" % i), np.array(a, order="C"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
