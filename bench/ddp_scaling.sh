#!/usr/bin/env bash
# ddp_scaling.sh [BUILD_DIR] [HIDDEN] [ROWS_PER_RANK] [STEPS] [ROUNDS] [LAYERS]: step time of
# examples/ddp (the spirals MLP, HIDDEN wide with LAYERS hidden-to-hidden layers)
# at 1 and 2 ranks with the same global batch, eager (DistributedDataParallel) and compiled (the
# jitted step with grad.all_reduce), and the share of the eager gradient all-reduce hidden behind
# backward: 2 ranks with small buckets (all-reduces start during backward) against 2 ranks with
# one bucket (its all-reduce can only start when the last gradient arrives, so all of it is
# waited for). Each configuration runs ROUNDS times, interleaved; the medians are reported with
# the process CPU time per step (the most of any rank) and the load average before and after,
# since a shared host's load moves the wall times. Numbers in docs/distributed.md.
set -euo pipefail
build=${1:-build} hidden=${2:-256} rows=${3:-64} steps=${4:-305} rounds=${5:-5} layers=${6:-1}
bin=$build/bin/ddp
# As in ctest: root in a container, this host only, shared memory, no binding.
# One thread per rank (grad, OpenBLAS, libomp): 2 ranks use 2 cores, 1 rank 1 core.
export GRAD_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated \
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_pml=ob1 \
  OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun=(mpirun --oversubscribe --allow-run-as-root -np 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--quiet --steps "$steps" --hidden "$hidden" --layers "$layers")
run() { # NAME COMMAND...: appends the run's timing line to $tmp/NAME
  local name=$1
  shift
  "$@" | grep '^timing:' >>"$tmp/$name"
}
echo "host: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ddp: hidden $hidden, $layers hidden layer(s) ($((3 * hidden + layers * (hidden * hidden + hidden) + 2 * hidden + 2)) parameters), $rows rows per rank, $((steps - 5)) timed steps, $rounds rounds"
for ((i = 0; i < rounds; ++i)); do
  run eager1 "$bin" "${common[@]}" --batch $((2 * rows))
  run eager2_buckets "${mpirun[@]}" "$bin" "${common[@]}" --batch "$rows" --bucket-kb 64
  run eager2_one "${mpirun[@]}" "$bin" "${common[@]}" --batch "$rows" --bucket-kb 1000000
  run compiled1 "$bin" "${common[@]}" --mode compiled --batch $((2 * rows))
  run compiled2 "${mpirun[@]}" "$bin" "${common[@]}" --mode compiled --batch "$rows"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# median FIELD FILE: the median over the rounds of "FIELD X ms/step".
median() {
  sed -n "s/^\(.* \)\{0,1\}$1 \([0-9.]*\) ms\/step.*/\2/p" "$2" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf "%-34s %10s %10s %10s %10s  %s\n" "median ms/step" wall cpu wait copy "wall of each round"
for name in eager1 eager2_buckets eager2_one compiled1 compiled2; do
  case $name in
    eager1) label="eager, 1 rank x $((2 * rows))" ;;
    eager2_buckets) label="eager, 2 ranks x $rows, 64 KiB buckets" ;;
    eager2_one) label="eager, 2 ranks x $rows, one bucket" ;;
    compiled1) label="compiled, 1 rank x $((2 * rows))" ;;
    compiled2) label="compiled, 2 ranks x $rows" ;;
  esac
  printf "%-34s %10s %10s %10s %10s  %s\n" "$label" "$(median timing: "$tmp/$name")" \
    "$(median cpu "$tmp/$name")" "$(median wait "$tmp/$name")" "$(median copy "$tmp/$name")" \
    "$(sed -n 's/^timing: \([0-9.]*\) ms.*/\1/p' "$tmp/$name" | tr '\n' ' ')"
  eval "wall_$name=$(median timing: "$tmp/$name") wait_$name=$(median wait "$tmp/$name")"
done
awk -v e1="$wall_eager1" -v e2="$wall_eager2_buckets" -v c1="$wall_compiled1" -v c2="$wall_compiled2" \
  -v ws="$wait_eager2_buckets" -v w1="$wait_eager2_one" 'BEGIN {
  printf "step time 2 ranks / 1 rank: eager %.2f, compiled %.2f\n", e2 / e1, c2 / c1;
  if (w1 > 0) printf "all-reduce wait hidden by bucketing: %.0f%% (%.3f of %.3f ms/step)\n", 100 * (1 - ws / w1), w1 - ws, w1 }'
