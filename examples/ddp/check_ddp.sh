#!/usr/bin/env bash
# check_ddp.sh DDP_BINARY WORKDIR MPIRUN...: trains STEPS steps with 2 ranks x batch 16 under
# mpirun and with 1 process x batch 32, and checks that both end with the same parameters (1e-5).
set -euo pipefail
bin=$1 dir=$2
shift 2
mkdir -p "$dir"
"$@" -np 2 "$bin" --steps 30 --batch 16 --bucket-kb 1 --out "$dir/ranks2.safetensors"
"$bin" --steps 30 --batch 32 --out "$dir/ranks1.safetensors"
/usr/bin/python3 "$(dirname "$0")/compare_params.py" "$dir/ranks2.safetensors" \
  "$dir/ranks1.safetensors" 1e-5
