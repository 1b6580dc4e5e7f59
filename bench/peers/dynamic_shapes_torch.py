#!/usr/bin/env python3
"""Peers of bench_dynamic_shapes (issue 14): what varying shapes cost under torch.compile and jax.jit.

The same loops as build/bin/bench_dynamic_shapes, one thread, f32, CPU:
  1. the MLP 64-128-10 training step (cross-entropy, gradients of the four parameters, SGD on the
     host) over two epochs of batch sizes 8..64 (every size once per epoch, shuffled): 114 steps;
  2. the char transformer of examples/charlm (the model of charlm_torch.py; positions and causal
     mask cut to T) over the sequences of (B, T) that bench_dynamic_shapes prints ("(B, T) in
     order: ..."): a varying sequence length at B = 16, then B and T both varying.
For torch.compile (default options: "automatic dynamic" marks a dim dynamic once it changes) and
jax.jit (the MLP only; one compile per shape): the number of compiles, their total time, and
ms/step without them. A compile is counted when torch.compile's backend is called (one per
graph Dynamo compiles; the backward graph is compiled inside it by AOTAutograd), or when
jax.jit's cache grows. A step's compile time is its wall time minus the median of the steps that
compiled nothing.

Optional peer: exits 0 with "torch not installed, skipping" when torch cannot be imported (jax
likewise for its rows). Last line: machine-readable key=value pairs.
Run: /work/peer-venv/bin/python bench/peers/dynamic_shapes_torch.py
"""
import argparse
import math
import os
import random
import statistics
import sys
import time

# The sequences bench_dynamic_shapes prints ("(B, T) in order: ...").
LENGTHS = "16x48 16x40 16x56 16x64 16x24 16x32 16x48 16x37"
GRID = "16x64 16x48 8x64 8x32 12x48 8x48 12x64 12x32 16x32 16x64 10x40"


def parse(shapes):
    return [tuple(int(v) for v in s.split("x")) for s in shapes.split()]


def timed_loop(step, inputs, compiles):
    """Runs step over inputs; returns (losses, per-step ms, per-step 'compiled' flags)."""
    losses, wall, compiled = [], [], []
    for x in inputs:
        before = compiles()
        t0 = time.perf_counter()
        losses.append(step(*x))
        wall.append((time.perf_counter() - t0) * 1e3)
        compiled.append(compiles() != before)
    return losses, wall, compiled


def summarize(name, wall, compiled, count):
    steady = [w for w, c in zip(wall, compiled) if not c]
    base = statistics.median(steady) if steady else 0.0
    compile_ms = sum(w - base for w, c in zip(wall, compiled) if c)
    print(f"{name:28s} {count:9d} {compile_ms:12.1f} {sum(wall):11.1f} "
          f"{sum(wall) / len(wall):9.3f} {base:14.3f}", flush=True)
    return count, compile_ms, base


def header(title):
    print(f"\n{title}")
    print(f"{'peer':28s} {'compiles':>9s} {'compile ms':>12s} {'total ms':>11s} {'ms/step':>9s} "
          f"{'median w/o c.':>14s}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lengths", default=LENGTHS, help="BxT list of the sequence-length loop")
    ap.add_argument("--grid", default=GRID, help="BxT list of the batch-and-length loop")
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    results = {}

    # Batches of the MLP loop: sizes 8..64 shuffled per epoch.
    rng = random.Random(7)
    sizes = list(range(8, 65))
    mlp_sizes = []
    for _ in range(args.epochs):
        rng.shuffle(sizes)
        mlp_sizes += sizes

    try:
        import torch
        import torch.nn.functional as F
        from torch._inductor.compile_fx import compile_fx
    except Exception as e:  # optional peer
        print(f"torch not installed, skipping ({e.__class__.__name__}: {e})")
        torch = None

    if torch is not None:
        import tempfile
        os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="dyn_inductor_"))
        torch.set_num_threads(1)
        print(f"torch {torch.__version__}, one thread; torch.compile default options "
              f"(automatic dynamic shapes)")
        count = [0]

        def counting_backend(gm, example_inputs):
            count[0] += 1
            return compile_fx(gm, example_inputs)

        # 1. The MLP.
        g = torch.Generator().manual_seed(1)
        data = [(torch.randn(b, 64, generator=g), torch.randint(0, 10, (b,), generator=g))
                for b in mlp_sizes]
        params0 = [torch.randn(64, 128, generator=g) * 0.1, torch.zeros(128),
                   torch.randn(128, 10, generator=g) * 0.1, torch.zeros(10)]

        def mlp_loss(x, y, w1, b1, w2, b2):
            return F.cross_entropy(torch.relu(x @ w1 + b1) @ w2 + b2, y)

        def mlp_runner(loss_fn):
            params = [p.clone().requires_grad_() for p in params0]

            def step(x, y):
                loss = loss_fn(x, y, *params)
                grads = torch.autograd.grad(loss, params)
                with torch.no_grad():
                    for p, gr in zip(params, grads):
                        p -= 0.05 * gr
                return loss.item()
            return step

        header(f"MLP 64-128-10 training step, {len(data)} steps, batch sizes 8..64")
        _, wall, comp = timed_loop(mlp_runner(mlp_loss), data, lambda: 0)
        summarize("torch eager", wall, comp, 0)
        count[0] = 0
        torch._dynamo.reset()
        compiled = torch.compile(mlp_loss, backend=counting_backend)
        _, wall, comp = timed_loop(mlp_runner(compiled), data, lambda: count[0])
        n, c, base = summarize("torch.compile", wall, comp, count[0])
        results.update(torch_mlp_compiles=n, torch_mlp_compile_ms=f"{c:.1f}",
                       torch_mlp_ms=f"{base:.4f}")

        # 2. The char transformer.
        with open("/usr/share/common-licenses/GPL-3", "rb") as f:
            text = f.read()
        alphabet = sorted(set(text))
        V, CTX, D, H, L = len(alphabet), 64, 64, 4, 2
        hd = D // H
        nn = torch.nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln1 = nn.LayerNorm(D)
                self.q, self.k, self.v = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
                self.c_proj = nn.Linear(D, D)
                self.ln2 = nn.LayerNorm(D)
                self.fc1, self.fc2 = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

            def forward(self, x, mask):
                b, t, _ = x.shape
                n = self.ln1(x)

                def heads(z):
                    return z.view(b, t, H, hd).permute(0, 2, 1, 3)
                qh, kh, vh = heads(self.q(n)), heads(self.k(n)), heads(self.v(n))
                s = (qh @ kh.transpose(2, 3)) * (1.0 / math.sqrt(hd))
                att = torch.softmax(torch.where(mask, s, -1e9), dim=-1) @ vh
                x2 = x + self.c_proj(att.permute(0, 2, 1, 3).reshape(b, t, D))
                return x2 + self.fc2(F.gelu(self.fc1(self.ln2(x2)), approximate="tanh"))

        class CharGPT(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(CTX, D)
                self.h = nn.ModuleList([Block() for _ in range(L)])
                self.ln_f = nn.LayerNorm(D)
                self.lm_head = nn.Linear(D, V, bias=False)
                self.register_buffer("positions", torch.arange(CTX), persistent=False)
                self.register_buffer("mask", torch.tril(torch.ones(CTX, CTX, dtype=torch.bool)),
                                     persistent=False)

            def forward(self, idx, targets):
                b, t = idx.shape
                x = self.wte(idx) + self.wpe(self.positions[:t])
                for blk in self.h:
                    x = blk(x, self.mask[:t, :t])
                return F.cross_entropy(self.lm_head(self.ln_f(x)).reshape(b * t, V), targets)

        def charlm_runner(model_fn, params):
            opt = torch.optim.Adam(params, lr=1e-3)

            def step(x, y):
                opt.zero_grad(set_to_none=True)
                loss = model_fn(x, y)
                loss.backward()
                opt.step()
                return loss.item()
            return step

        for key, title, shapes in (("lengths", "B = 16, T varies", parse(args.lengths)),
                                   ("grid", "B and T vary", parse(args.grid))):
            gen = torch.Generator().manual_seed(3)
            batches = [(torch.randint(0, V, (b, t), generator=gen),
                        torch.randint(0, V, (b * t,), generator=gen)) for b, t in shapes]
            header(f"charlm training step, {len(shapes)} steps: {title}: "
                   + " ".join(f"{b}x{t}" for b, t in shapes))
            torch.manual_seed(1)
            model = CharGPT()
            _, wall, comp = timed_loop(charlm_runner(model, model.parameters()), batches,
                                       lambda: 0)
            summarize("torch eager", wall, comp, 0)
            torch._dynamo.reset()
            count[0] = 0
            torch.manual_seed(1)
            model = CharGPT()
            compiled = torch.compile(model, backend=counting_backend)
            _, wall, comp = timed_loop(charlm_runner(compiled, model.parameters()), batches,
                                       lambda: count[0])
            n, c, base = summarize("torch.compile", wall, comp, count[0])
            results.update({f"torch_charlm_{key}_compiles": n,
                            f"torch_charlm_{key}_compile_ms": f"{c:.1f}",
                            f"torch_charlm_{key}_ms": f"{base:.3f}"})

    try:
        import jax
        import jax.numpy as jnp
    except Exception as e:  # optional peer
        print(f"jax not installed, skipping ({e.__class__.__name__}: {e})")
        jax = None
    if jax is not None:
        import numpy as np
        r = np.random.default_rng(1)
        data = [(r.standard_normal((b, 64)).astype(np.float32),
                 r.integers(0, 10, (b,)).astype(np.int32)) for b in mlp_sizes]
        params = [r.standard_normal((64, 128)).astype(np.float32) * 0.1,
                  np.zeros(128, np.float32),
                  r.standard_normal((128, 10)).astype(np.float32) * 0.1,
                  np.zeros(10, np.float32)]

        def loss(ps, x, y):
            w1, b1, w2, b2 = ps
            logits = jax.nn.relu(x @ w1 + b1) @ w2 + b2
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

        vg = jax.jit(jax.value_and_grad(loss))
        state = [jnp.asarray(p) for p in params]

        def step(x, y):
            nonlocal state
            value, grads = vg(state, x, y)
            state = [p - 0.05 * gr for p, gr in zip(state, grads)]
            return float(value)

        header(f"MLP 64-128-10 training step, {len(data)} steps, batch sizes 8..64 (jax "
               f"{jax.__version__})")
        _, wall, comp = timed_loop(step, data, lambda: vg._cache_size())
        n, c, base = summarize("jax.jit", wall, comp, vg._cache_size())
        results.update(jax_mlp_compiles=n, jax_mlp_compile_ms=f"{c:.1f}", jax_mlp_ms=f"{base:.4f}")

    print(" ".join(f"{k}={v}" for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
