#!/usr/bin/env bash
# ddp_scaling.sh [BUILD_DIR] [HIDDEN] [ROWS_PER_RANK] [STEPS]: step time of examples/ddp at 1 and
# 2 ranks (the same global batch), and the share of the gradient all-reduce hidden behind
# backward: 2 ranks with small buckets (all-reduces start during backward) against 2 ranks with
# one bucket (its all-reduce can only start when the last gradient arrives, so all of it is
# waited for). Numbers in docs/distributed.md.
set -euo pipefail
build=${1:-build} hidden=${2:-256} rows=${3:-64} steps=${4:-105}
bin=$build/bin/ddp
# As in ctest: root in a container, this host only, shared memory, no binding.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated \
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_pml=ob1 \
  OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun=(mpirun --oversubscribe --allow-run-as-root -np 2)
field() { sed -n "s/.*timing: \([0-9.]*\) ms\/step  wait \([0-9.]*\) ms.*/\\$1/p"; }
one=$("$bin" --quiet --steps "$steps" --hidden "$hidden" --batch $((2 * rows)))
small=$("${mpirun[@]}" "$bin" --quiet --steps "$steps" --hidden "$hidden" --batch "$rows" --bucket-kb 64)
single=$("${mpirun[@]}" "$bin" --quiet --steps "$steps" --hidden "$hidden" --batch "$rows" --bucket-kb 1000000)
echo "1 rank,  batch $((2 * rows)):              $(grep timing <<<"$one")"
echo "2 ranks, batch $rows each, 64 KiB buckets: $(grep timing <<<"$small")"
echo "2 ranks, batch $rows each, one bucket:     $(grep timing <<<"$single")"
t1=$(field 1 <<<"$one") t2=$(field 1 <<<"$small") w_small=$(field 2 <<<"$small") w_single=$(field 2 <<<"$single")
awk -v t1="$t1" -v t2="$t2" -v ws="$w_small" -v w1="$w_single" 'BEGIN {
  printf "step time 2 ranks / 1 rank: %.2f\n", t2 / t1;
  if (w1 > 0) printf "all-reduce wait hidden by bucketing: %.0f%% (%.3f of %.3f ms/step)\n", 100 * (1 - ws / w1), w1 - ws, w1 }'
