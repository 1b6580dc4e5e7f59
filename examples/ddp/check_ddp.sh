#!/usr/bin/env bash
# check_ddp.sh DDP_BINARY WORKDIR MODE MPIRUN...: trains 30 steps with 2 ranks x batch 16 under
# mpirun in MODE (eager: DistributedDataParallel; compiled: the jitted step with grad.all_reduce)
# and with 1 process x batch 32 eagerly (the reference: no communication at all), and checks that
# both end with the same parameters (1e-5). Compiled, 1 process x batch 32 compiled is checked
# against the reference too (the world of one, where grad.all_reduce is a copy).
set -euo pipefail
bin=$1 dir=$2 mode=$3
shift 3
mkdir -p "$dir"
rm -f "$dir"/*.safetensors
"$@" -np 2 "$bin" --mode "$mode" --steps 30 --batch 16 --bucket-kb 1 --out "$dir/ranks2.safetensors"
"$bin" --mode eager --steps 30 --batch 32 --out "$dir/ranks1.safetensors"
cmp="$(dirname "$0")/compare_params.py"
/usr/bin/python3 "$cmp" "$dir/ranks2.safetensors" "$dir/ranks1.safetensors" 1e-5
if [ "$mode" = compiled ]; then
  "$bin" --mode compiled --steps 30 --batch 32 --out "$dir/ranks1_compiled.safetensors"
  /usr/bin/python3 "$cmp" "$dir/ranks1_compiled.safetensors" "$dir/ranks1.safetensors" 1e-5
fi
