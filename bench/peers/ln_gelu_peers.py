#!/usr/bin/env python3
"""Python peers of bench_compiled_step --only block (issue 9, ln_gelu):
y = gelu_tanh(layer_norm(x)) + x on x [4096,1024] f32 (layer_norm without affine, eps 1e-5,
over the last dim); loss = sum(y * g) with g a fixed random tensor.

Times the forward alone (y) and forward+backward (loss and dloss/dx) for
  torch eager           (fwd under no_grad; fwd+bwd: loss + torch.autograd.grad(loss, x)),
  torch.compile         (default mode; the compiled loss function, backward through
                         AOTAutograd's compiled backward graph),
  jax.jit               (jit(f) and jit(value_and_grad(loss)), block_until_ready).
One thread: torch.set_num_threads(1); for jax
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" is set (unless
XLA_FLAGS is already set). --pin [--cpu N] also pins the whole process to one CPU with
os.sched_setaffinity before jax or torch is imported (the same as taskset -c N); it is off by
default because on a shared machine the pinned core may be the busy one. CPU time <= wall time
in the output shows that a case ran on one thread.
Medians of --reps runs after warm-up, wall and process CPU time (all threads of this process,
so load from other processes on a shared machine mostly stays out of it).

Optional peers: a framework that cannot be imported is reported as skipped and the script
exits 0 ("torch not installed, skipping" / "jax not installed, skipping").
Last line: key=value pairs in ms, e.g. torch_eager_fwd_ms=.. jax_jit_fwdbwd_ms=..
"""
import argparse
import os
import statistics
import sys
import time

N, D, EPS = 4096, 1024, 1e-5


def measure(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def bench_torch(args, x_np, g_np, results):
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:
        print(f"torch not installed, skipping ({e.__class__.__name__}: {e})")
        return
    torch.set_num_threads(1)
    x = torch.from_numpy(x_np)
    g = torch.from_numpy(g_np)

    def block(x):
        return F.gelu(F.layer_norm(x, (D,), eps=EPS), approximate="tanh") + x

    def loss_fn(x, g):
        return (block(x) * g).sum()

    def fwdbwd(loss):
        def run():
            xr = x.detach().requires_grad_(True)
            l = loss(xr, g)
            (dx,) = torch.autograd.grad(l, xr)
            return l, dx
        return run

    def fwd(f):
        def run():
            with torch.no_grad():
                return f(x)
        return run

    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}", flush=True)
    modes = []
    if args.which in ("all", "torch", "torch-eager"):
        modes.append(("torch_eager", block, loss_fn))
    if args.which in ("all", "torch", "torch-compile"):
        if not args.warm_cache and "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
            import tempfile
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="ln_gelu_inductor_")
        modes.append(("torch_compile", torch.compile(block), torch.compile(loss_fn)))
    for name, f, l in modes:
        t0 = time.perf_counter()
        fwd(f)()
        first_fwd = time.perf_counter() - t0
        t0 = time.perf_counter()
        fwdbwd(l)()
        first_bwd = time.perf_counter() - t0
        wf, cf = measure(fwd(f), args.reps, args.warmup)
        wb, cb = measure(fwdbwd(l), args.reps, args.warmup)
        print(f"{name:14s} fwd {wf:8.2f} ms wall {cf:8.2f} ms cpu | fwd+bwd {wb:8.2f} ms wall "
              f"{cb:8.2f} ms cpu | first calls {first_fwd:.2f} s / {first_bwd:.2f} s", flush=True)
        results[f"{name}_fwd_ms"] = wf
        results[f"{name}_fwdbwd_ms"] = wb
        results[f"{name}_fwd_cpu_ms"] = cf
        results[f"{name}_fwdbwd_cpu_ms"] = cb
    # Cross-check: eager vs compiled gradients.
    if len(modes) == 2:
        a = fwdbwd(modes[0][2])()[1]
        b = fwdbwd(modes[1][2])()[1]
        print(f"torch: max |dx eager - dx compiled| {float((a - b).abs().max()):.3g} "
              f"(max |dx| {float(a.abs().max()):.3g})")


def bench_jax(args, x_np, g_np, results):
    try:
        import jax
        import jax.numpy as jnp
    except Exception as e:
        print(f"jax not installed, skipping ({e.__class__.__name__}: {e})")
        return
    jax.config.update("jax_platforms", "cpu")

    def block(x):
        mu = jnp.mean(x, axis=-1, keepdims=True)
        var = jnp.mean(jnp.square(x - mu), axis=-1, keepdims=True)
        n = (x - mu) * jax.lax.rsqrt(var + EPS)
        return jax.nn.gelu(n, approximate=True) + x

    def loss_fn(x, g):
        return jnp.sum(block(x) * g)

    x = jax.device_put(x_np)
    g = jax.device_put(g_np)
    fwd = jax.jit(block)
    vg = jax.jit(jax.value_and_grad(loss_fn))
    print(f"jax {jax.__version__}, devices {jax.devices()}, XLA_FLAGS={os.environ.get('XLA_FLAGS')!r}",
          flush=True)
    t0 = time.perf_counter()
    fwd(x).block_until_ready()
    first_fwd = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(vg(x, g))
    first_bwd = time.perf_counter() - t0
    wf, cf = measure(lambda: fwd(x).block_until_ready(), args.reps, args.warmup)
    wb, cb = measure(lambda: jax.block_until_ready(vg(x, g)), args.reps, args.warmup)
    print(f"{'jax_jit':14s} fwd {wf:8.2f} ms wall {cf:8.2f} ms cpu | fwd+bwd {wb:8.2f} ms wall "
          f"{cb:8.2f} ms cpu | first calls {first_fwd:.2f} s / {first_bwd:.2f} s", flush=True)
    results["jax_jit_fwd_ms"] = wf
    results["jax_jit_fwdbwd_ms"] = wb
    results["jax_jit_fwd_cpu_ms"] = cf
    results["jax_jit_fwdbwd_cpu_ms"] = cb


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=20, help="timed runs per case (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    ap.add_argument("--which", default="all",
                    choices=["all", "torch", "torch-eager", "torch-compile", "jax"])
    ap.add_argument("--cpu", type=int, default=None,
                    help="with --pin: the CPU (default: the first one this process may use)")
    ap.add_argument("--pin", action="store_true", help="pin the process to one CPU")
    ap.add_argument("--warm-cache", action="store_true",
                    help="keep Inductor's on-disk cache (default: a fresh one, cold compile)")
    args = ap.parse_args()

    os.environ.setdefault("XLA_FLAGS",
                          "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.pin and hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        print(f"pinned to CPU {cpu}")

    try:
        import numpy as np
    except Exception as e:
        print(f"numpy not installed ({e}): torch not installed, skipping; "
              f"jax not installed, skipping")
        return 0
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((N, D), dtype=np.float32)
    g_np = rng.standard_normal((N, D), dtype=np.float32)
    print(f"ln_gelu_peers: y = gelu_tanh(layer_norm(x)) + x, x [{N},{D}] f32; median of "
          f"{args.reps} runs after {args.warmup} warm-up", flush=True)

    results = {}
    if args.which in ("all", "torch", "torch-eager", "torch-compile"):
        bench_torch(args, x_np, g_np, results)
    if args.which in ("all", "jax"):
        bench_jax(args, x_np, g_np, results)
    print(" ".join(f"{k}={v:.3f}" for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
