#!/usr/bin/env python3
"""PyTorch peer of examples/charlm (issue 9): the 2-block char transformer training step.

Same model as examples/charlm/charlm.h: vocab = distinct bytes of the text (76 for the GPL-3),
T=64, D=64, 4 heads, 2 pre-norm blocks (ln1 -> q,k,v Linear(D,D) [or --fused-qkv: one
Linear(D,3D) + split] -> heads -> q @ k^T / sqrt(hd) -> where(causal, scores, -1e9) -> softmax
-> @ v -> merge -> c_proj; residual; ln2 -> Linear(D,4D) -> gelu(tanh) -> Linear(4D,D);
residual), final LayerNorm, lm_head Linear(D,V,bias=False), cross-entropy over [B*T,V]; B=16,
Adam lr 3e-3, f32, embeddings N(0,1)*0.02.

Measures ms/step (median over --steps steps after --warmup warm-up steps; one step = zero_grad,
forward, backward, Adam step, loss.item()) for torch eager and for torch.compile(model) (default
mode; the optimizer step stays outside the compiled region), plus torch.compile's first call
(compile + run). Batches are random windows of the text, drawn before timing (fixed seed).

Optional peer: exits 0 with "torch not installed, skipping" when torch cannot be imported.
Last line: torch_eager_ms=.. torch_compile_ms=.. torch_compile_first_s=..
"""
import argparse
import math
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=50, help="timed steps per mode (default 50)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    ap.add_argument("--fused-qkv", action="store_true", help="one Linear(D,3D) + split")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    ap.add_argument("--mode", choices=["both", "eager", "compile"], default="both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warm-cache", action="store_true",
                    help="keep Inductor's on-disk cache (default: a fresh empty cache directory, "
                         "so the first call is a cold compile)")
    args = ap.parse_args()

    if not args.warm_cache and "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        import tempfile
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="charlm_inductor_")

    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # optional peer
        print(f"torch not installed, skipping ({e.__class__.__name__}: {e})")
        return 0

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    with open(args.text, "rb") as f:
        text = f.read()
    alphabet = sorted(set(text))
    index = {b: i for i, b in enumerate(alphabet)}
    ids = torch.tensor([index[b] for b in text], dtype=torch.long)

    V, T, D, H, L, B = len(alphabet), 64, 64, 4, 2, 16
    hd = D // H

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(D, eps=1e-5)
            if args.fused_qkv:
                self.c_attn = nn.Linear(D, 3 * D)
            else:
                self.q = nn.Linear(D, D)
                self.k = nn.Linear(D, D)
                self.v = nn.Linear(D, D)
            self.c_proj = nn.Linear(D, D)
            self.ln2 = nn.LayerNorm(D, eps=1e-5)
            self.fc1 = nn.Linear(D, 4 * D)
            self.fc2 = nn.Linear(4 * D, D)

        def forward(self, x, mask):
            b, t, _ = x.shape
            n = self.ln1(x)
            if args.fused_qkv:
                q, k, v = self.c_attn(n).split(D, dim=2)
            else:
                q, k, v = self.q(n), self.k(n), self.v(n)

            def heads(z):  # [B,T,D] -> [B,H,T,hd]
                return z.view(b, t, H, hd).permute(0, 2, 1, 3)

            qh, kh, vh = heads(q), heads(k), heads(v)
            scores = (qh @ kh.transpose(2, 3)) * (1.0 / math.sqrt(hd))  # [B,H,T,T]
            scores = torch.where(mask, scores, -1e9)
            att = torch.softmax(scores, dim=-1) @ vh  # [B,H,T,hd]
            merged = att.permute(0, 2, 1, 3).reshape(b, t, D)
            x2 = x + self.c_proj(merged)
            return x2 + self.fc2(F.gelu(self.fc1(self.ln2(x2)), approximate="tanh"))

    class CharGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(V, D)
            self.wpe = nn.Embedding(T, D)
            with torch.no_grad():  # N(0,1) * 0.02 as in charlm.h
                self.wte.weight.normal_().mul_(0.02)
                self.wpe.weight.normal_().mul_(0.02)
            self.h = nn.ModuleList([Block() for _ in range(L)])
            self.ln_f = nn.LayerNorm(D, eps=1e-5)
            self.lm_head = nn.Linear(D, V, bias=False)
            self.register_buffer("positions", torch.arange(T), persistent=False)
            self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)),
                                 persistent=False)

        def forward(self, idx, targets):
            b, t = idx.shape
            x = self.wte(idx) + self.wpe(self.positions)
            for blk in self.h:
                x = blk(x, self.mask)
            logits = self.lm_head(self.ln_f(x)).reshape(b * t, V)
            return F.cross_entropy(logits, targets)

    g = torch.Generator().manual_seed(args.seed)
    n_batches = args.warmup + args.steps + 1
    starts = torch.randint(0, len(ids) - T - 1, (n_batches, B), generator=g)
    batches = []
    for row in starts:
        x = torch.stack([ids[s:s + T] for s in row.tolist()])
        y = torch.stack([ids[s + 1:s + T + 1] for s in row.tolist()]).reshape(B * T)
        batches.append((x, y))

    print(f"charlm_torch: torch {torch.__version__}, {len(text)} bytes, vocab {V}; B={B} T={T} "
          f"D={D} heads={H} layers={L}{' fused-qkv' if args.fused_qkv else ''}; Adam lr=3e-3; "
          f"threads={torch.get_num_threads()}; median of {args.steps} steps after "
          f"{args.warmup} warm-up", flush=True)

    def run(model_fn, params):
        opt = torch.optim.Adam(params, lr=3e-3)

        def step(x, y):
            opt.zero_grad(set_to_none=True)
            loss = model_fn(x, y)
            loss.backward()
            opt.step()
            return loss.item()

        t0 = time.perf_counter()
        first_loss = step(*batches[0])
        first = time.perf_counter() - t0
        for i in range(1, args.warmup + 1):
            step(*batches[i])
        wall, cpu, losses = [], [], []
        for i in range(args.warmup + 1, n_batches):
            w0, c0 = time.perf_counter(), time.process_time()
            losses.append(step(*batches[i]))
            cpu.append((time.process_time() - c0) * 1e3)
            wall.append((time.perf_counter() - w0) * 1e3)
        return first, first_loss, losses[-1], statistics.median(wall), statistics.median(cpu)

    results = {}
    if args.mode in ("both", "eager"):
        torch.manual_seed(args.seed)
        model = CharGPT()
        first, l0, ln, wall, cpu = run(model, model.parameters())
        print(f"torch eager:   {wall:8.2f} ms/step wall, {cpu:8.2f} ms cpu (median of "
              f"{args.steps}); first step {first * 1e3:.1f} ms; loss {l0:.4f} -> {ln:.4f}",
              flush=True)
        results["torch_eager_ms"] = f"{wall:.3f}"
        results["torch_eager_cpu_ms"] = f"{cpu:.3f}"
    if args.mode in ("both", "compile"):
        torch.manual_seed(args.seed)
        model = CharGPT()
        compiled = torch.compile(model)
        first, l0, ln, wall, cpu = run(compiled, model.parameters())
        print(f"torch.compile: {wall:8.2f} ms/step wall, {cpu:8.2f} ms cpu (median of "
              f"{args.steps}); first call (compile fwd+bwd + run) {first:.2f} s; "
              f"loss {l0:.4f} -> {ln:.4f}", flush=True)
        results["torch_compile_ms"] = f"{wall:.3f}"
        results["torch_compile_cpu_ms"] = f"{cpu:.3f}"
        results["torch_compile_first_s"] = f"{first:.3f}"
    print(" ".join(f"{k}={v}" for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
