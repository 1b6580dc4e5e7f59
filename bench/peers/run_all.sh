#!/usr/bin/env bash
# Runs the C++ side (charlm, bench_compiled_step --only block) and the optional Python peers
# (charlm_torch.py, ln_gelu_peers.py) in one sitting and prints one markdown table per workload:
# ms of each, and each one's time over grad compiled's (> 1: grad compiled is faster).
#
#   bench/peers/run_all.sh            # GRAD_BIN=build/bin PEER_PYTHON=/work/peer-venv/bin/python
#   ROUNDS=3 FUSED_QKV=1 bench/peers/run_all.sh
#
# GRAD_BIN: folder with charlm and bench_compiled_step (default: build/bin of this checkout);
# a missing binary is skipped. PEER_PYTHON: the interpreter with torch/jax (default
# /work/peer-venv/bin/python, else python3); missing peers are skipped. ROUNDS: run everything
# this many times and report the median of the per-round medians (default 1).
# LOG: where the raw output goes (default a temp file, printed at the end).
# PARSE_ONLY=FILE: run nothing, print the tables of an earlier run's raw output.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${GRAD_BIN:-$root/build/bin}"
py="${PEER_PYTHON:-/work/peer-venv/bin/python}"
[ -x "$py" ] || py=python3
rounds="${ROUNDS:-1}"
log="${LOG:-$(mktemp /tmp/peers_run_all.XXXXXX.log)}"
fused=()
[ "${FUSED_QKV:-0}" = 1 ] && fused=(--fused-qkv)
: "${PARSE_ONLY:=}"
if [ -n "$PARSE_ONLY" ]; then log="$PARSE_ONLY"; fi
[ -n "$PARSE_ONLY" ] || : >"$log"

run() { # tag, command...
  local tag="$1"; shift
  echo "## $tag: $*" | tee -a "$log" >&2
  "$@" 2>&1 | grep -v '^W[0-9]\{4\} ' | sed "s/^/$tag| /" >>"$log"
}

for ((r = 0; r < rounds && ${#PARSE_ONLY} == 0; r++)); do
  if [ -x "$bin/charlm" ]; then run grad_charlm "$bin/charlm" --steps 30 "${fused[@]}"
  else echo "## $bin/charlm missing, skipped" >&2; fi
  if [ -x "$bin/bench_compiled_step" ]; then run grad_block "$bin/bench_compiled_step" --only block --reps 10
  else echo "## $bin/bench_compiled_step missing, skipped" >&2; fi
  run py_charlm "$py" "$here/charlm_torch.py" --steps 50 "${fused[@]}"
  run py_ln_gelu "$py" "$here/ln_gelu_peers.py" --reps 20
done

python3 - "$log" "$rounds" <<'PY'
import re, statistics, sys
log, rounds = sys.argv[1], int(sys.argv[2])
vals = {}
def add(k, v): vals.setdefault(k, []).append(float(v))
for line in open(log):
    tag, _, text = line.rstrip("\n").partition("| ")
    if tag == "grad_charlm":
        m = re.match(r"eager:\s+([\d.]+) ms/step", text)
        if m: add("charlm grad eager", m[1])
        m = re.match(r"compiled:\s+([\d.]+) ms/step", text)
        if m: add("charlm grad compiled", m[1])
        m = re.match(r"compiled: first call ([\d.]+) s", text)
        if m: add("charlm grad first_s", m[1])
    elif tag == "grad_block":
        m = re.match(r"\| gelu\(layer_norm\(x\)\)\+x 4096x1024 (fwd\+bwd|fwd)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)", text)
        if m:
            add(f"ln_gelu {m[1]} grad eager", m[2]); add(f"ln_gelu {m[1]} grad eager cpu", m[3])
            add(f"ln_gelu {m[1]} grad compiled", m[4]); add(f"ln_gelu {m[1]} grad compiled cpu", m[5])
    elif tag in ("py_charlm", "py_ln_gelu") and re.fullmatch(r"(\w+=[\d.]+ ?)+", text.strip() or "x"):
        for k, v in (kv.split("=") for kv in text.split()):
            if tag == "py_charlm":
                name = {"torch_eager_ms": "torch eager", "torch_compile_ms": "torch.compile",
                        "torch_eager_cpu_ms": "torch eager cpu", "torch_compile_cpu_ms": "torch.compile cpu",
                        "torch_compile_first_s": "torch first_s"}[k]
                add(f"charlm {name}", v)
            else:
                m = re.fullmatch(r"(torch_eager|torch_compile|jax_jit)_(fwd|fwdbwd)(_cpu)?_ms", k)
                peer = {"torch_eager": "torch eager", "torch_compile": "torch.compile", "jax_jit": "jax.jit"}[m[1]]
                add(f"ln_gelu {'fwd+bwd' if m[2] == 'fwdbwd' else 'fwd'} {peer}{' cpu' if m[3] else ''}", v)
med = {k: statistics.median(v) for k, v in vals.items()}
def g(k): return med.get(k)
def fmt(x, spec=".2f"): return "-" if x is None else format(x, spec)
def table(title, prefix, peers, extra=""):
    base = g(f"{prefix} grad compiled")
    print(f"\n### {title}{extra}\n")
    base_cpu = g(f"{prefix} grad compiled cpu")
    print("| implementation | ms wall | ms cpu | wall / grad compiled wall | cpu / grad compiled cpu |")
    print("|---|---:|---:|---:|---:|")
    for p in peers:
        v, c = g(f"{prefix} {p}"), g(f"{prefix} {p} cpu")
        ratio = None if v is None or not base else v / base
        rcpu = None if c is None or not base_cpu else c / base_cpu
        print(f"| {p} | {fmt(v)} | {fmt(c)} | {fmt(ratio)} | {fmt(rcpu)} |")
rounds = len(vals.get("charlm torch eager", vals.get("charlm grad eager", [0])))
print(f"(medians; {rounds} round(s); one thread each; > 1 in the last column: grad compiled is faster)")
table("charlm training step (B=16, T=64, D=64, 2 blocks, Adam)", "charlm",
      ["grad eager", "grad compiled", "torch eager", "torch.compile"])
print(f"\nfirst call (compile): grad {fmt(g('charlm grad first_s'))} s, torch.compile {fmt(g('charlm torch first_s'))} s")
for part in ("fwd", "fwd+bwd"):
    table(f"gelu(layer_norm(x)) + x, 4096x1024 f32, {part}", f"ln_gelu {part}",
          ["grad eager", "grad compiled", "torch eager", "torch.compile", "jax.jit"])
PY
echo
echo "raw output: $log"
