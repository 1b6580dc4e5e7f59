#!/usr/bin/env bash
# run_failure.sh MODE LIMIT_SECONDS MPIRUN... : runs a job in which one rank fails and checks that
# it ends within LIMIT_SECONDS, with a non-zero exit status and the message expected for MODE.
set -uo pipefail
mode=$1 limit=$2
shift 2
start=$(date +%s)
out=$(timeout --kill-after=5 "$limit" "$@" 2>&1)
status=$?
elapsed=$(( $(date +%s) - start ))
echo "$out"
echo "[run_failure] mode=$mode exit=$status after ${elapsed}s (limit ${limit}s)"
case $mode in
  raise) want='rank 1 of 2: uncaught exception: injected failure in backward on rank 1; aborting every rank' ;;
  kill) want='(exited on signal 9|killed|signal 9)' ;;
  timeout) want='rank 0 of 2 timed out after 3 s waiting for the other ranks' ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
if [ "$elapsed" -ge "$limit" ]; then
  echo "[run_failure] FAIL: the job hung (killed by timeout after ${limit}s)"; exit 1
fi
if [ "$status" -eq 0 ]; then
  echo "[run_failure] FAIL: the job exited 0 although rank 1 failed"; exit 1
fi
if ! grep -Eq "$want" <<<"$out"; then
  echo "[run_failure] FAIL: output lacks /$want/"; exit 1
fi
echo "[run_failure] OK"
