#!/usr/bin/env python3
"""Mutation fuzzing of gradc's input: every mutant must give exit code 0 or 1, never a crash.

Takes a valid grad module, applies seeded random edits that keep it close to valid (swap a
dimension, an op name, an attribute value, a type; delete or duplicate a line or a token), runs
`gradc --emit=mlir` (parse, verify, fold, and autodiff with --grad) on each mutant, or the
given --emit kind, and fails if gradc dies from a signal or returns anything but 0 (accepted),
1 (diagnostic) or 2 (codegen diagnostic), or if exit 1/2 comes without a diagnostic.

usage: fuzz_gradc.py GRADC INPUT.mlir COUNT SEED [gradc flags, e.g. --grad=FUNC --emit=obj]
"""
import random
import re
import subprocess
import sys

TOKENS = ["grad.add", "grad.mul", "grad.matmul", "grad.sum", "grad.relu", "grad.exp",
          "grad.broadcast", "grad.transpose", "grad.reshape", "grad.cmp", "grad.select",
          "grad.mean", "grad.gather", "grad.concat", "grad.slice", "grad.constant"]
TYPES = ["f32", "f64", "i64", "i1", "f16", "index"]


def mutate(text, rng):
    lines = text.splitlines()
    choice = rng.randrange(7)
    if choice == 0:  # change one dimension
        dims = list(re.finditer(r"(?<=[<x])\d+(?=x)", text))
        if dims:
            m = rng.choice(dims)
            return text[:m.start()] + str(rng.choice([0, 1, 2, 3, 7, 99])) + text[m.end():]
    if choice == 1:  # swap an op name
        ops = list(re.finditer(r"grad\.\w+", text))
        if ops:
            m = rng.choice(ops)
            return text[:m.start()] + rng.choice(TOKENS) + text[m.end():]
    if choice == 2:  # change an element type
        types = list(re.finditer(r"\b(f32|f64|i64|i1)\b", text))
        if types:
            m = rng.choice(types)
            return text[:m.start()] + rng.choice(TYPES) + text[m.end():]
    if choice == 3:  # change an attribute list
        arrays = list(re.finditer(r"array<i64:[^>]*>", text))
        if arrays:
            m = rng.choice(arrays)
            values = ", ".join(str(rng.randrange(-1, 4)) for _ in range(rng.randrange(0, 4)))
            return text[:m.start()] + f"array<i64: {values}>" + text[m.end():]
    if choice == 4 and len(lines) > 1:  # delete a line
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if choice == 5 and lines:  # duplicate a line
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    # delete a random span of characters
    if len(text) > 2:
        i = rng.randrange(len(text) - 1)
        return text[:i] + text[i + rng.randrange(1, 8):]
    return text


def main():
    gradc, path, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    extra = sys.argv[5:]
    original = open(path).read()
    rng = random.Random(seed)
    failures = 0
    counts = {0: 0, 1: 0}
    for n in range(count):
        text = original
        for _ in range(rng.randrange(1, 3)):
            text = mutate(text, rng)
        emit = [] if any(a.startswith("--emit") for a in extra) else ["--emit=mlir"]
        run = subprocess.run([gradc, "-"] + emit + extra, input=text, capture_output=True,
                             text=True, timeout=60)
        # 2: lowering failed on a module the graph passes accepted (reported, not a crash).
        ok = run.returncode in (0, 1, 2)
        if run.returncode in (1, 2) and not re.search(r"(<stdin>:\d+:\d+: error:|^gradc: )",
                                                 run.stderr, re.M):
            ok = False
        if not ok:
            failures += 1
            print(f"FAIL mutant {n}: exit {run.returncode}\n--- input ---\n{text}\n--- stderr ---\n"
                  f"{run.stderr[-2000:]}")
        else:
            counts[run.returncode] = counts.get(run.returncode, 0) + 1
    print(f"mutants: {count}, accepted: {counts[0]}, rejected with a diagnostic: {counts[1]}, "
          f"codegen errors: {counts.get(2, 0)}, failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
