#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, builds a consumer project against it with
# find_package(grad CONFIG) the plain way (default compiler, no C++ standard, no rpath settings),
# and runs the consumer programs and the installed tools with a clean environment (env -i: no
# LD_LIBRARY_PATH, no PATH). Usage: run.sh BUILD_DIR SCRATCH_DIR [MPIRUN...]
# With MPIRUN (grad built with MPI) the consumer must get grad::dist too; its program runs as a
# world of one with a clean environment and as 2 ranks under MPIRUN -np 2.
set -euo pipefail
BUILD_DIR=$1
SCRATCH=$2
shift 2
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/consumer"
P="$SCRATCH/prefix"
rm -rf "$SCRATCH"
cmake --install "$BUILD_DIR" --prefix "$P" >/dev/null

# Only headers under include/ (.h, the op table grad/op_table.def, .inc, .td; no CMakeFiles/ or
# cmake_install.cmake from the build tree).
stray=$(find "$P/include" -type f ! -name '*.h' ! -name '*.def' ! -name '*.inc' ! -name '*.td'; \
        find "$P/include" -type d -name CMakeFiles)
if [ -n "$stray" ]; then
  echo "install: unexpected files under include/:"; echo "$stray"; exit 1
fi

# Only public headers: none of the jit's internal ones, no test harness, nothing that lives in a
# src/ or lib/ folder of the source tree (those are private to their library).
ROOT="$(cd "$HERE/../.." && pwd)"
private=$( (printf '%s\n' Tracer.h Executable.h GpuEmulator.h shape_rules.h; \
            find "$ROOT"/eager "$ROOT"/runtime "$ROOT"/dist "$ROOT"/compiler -path '*/src/*' -name '*.h' -printf '%f\n' \
              -o -path '*/lib/*' -name '*.h' -printf '%f\n') | sort -u)
leaked=$(for h in $private; do find "$P/include" -type f -name "$h"; done)
if [ -n "$leaked" ]; then
  echo "install: private headers installed:"; echo "$leaked"; exit 1
fi

cmake -S "$SRC" -B "$SCRATCH/build" -G Ninja -DCMAKE_PREFIX_PATH="$P" > "$SCRATCH/configure.log"
if grep -q "Could NOT find" "$SCRATCH/configure.log"; then
  echo "install: the consumer's configure printed 'Could NOT find':"; cat "$SCRATCH/configure.log"; exit 1
fi
cmake --build "$SCRATCH/build" >/dev/null

env -i "$SCRATCH/build/consumer_eager"
env -i "$SCRATCH/build/consumer_runtime"
if [ $# -gt 0 ]; then
  if [ ! -x "$SCRATCH/build/consumer_dist" ]; then
    echo "install: grad was built with MPI but the consumer found no grad::dist"; exit 1
  fi
  env -i "$SCRATCH/build/consumer_dist"
  "$@" -np 2 "$SCRATCH/build/consumer_dist"
fi
if [ -x "$SCRATCH/build/consumer_compiler" ]; then
  env -i "$SCRATCH/build/consumer_compiler"
fi
if [ -x "$P/bin/gradc" ]; then
  env -i "$P/bin/gradc" --help >/dev/null
  env -i "$P/bin/gradc" "$HERE/consumer/tiny.mlir" --grad=loss --emit=obj -o "$SCRATCH/tiny.o"
  env -i "$P/bin/gradc" "$HERE/consumer/tiny.mlir" --emit=header -o "$SCRATCH/tiny.h"
  test -s "$SCRATCH/tiny.o" && grep -q _mlir_ciface_loss "$SCRATCH/tiny.h"
  env -i "$P/bin/grad-opt" --help >/dev/null
  env -i "$P/bin/grad-run" --help >/dev/null
  echo "installed gradc, grad-opt, grad-run run with a clean environment"
fi
