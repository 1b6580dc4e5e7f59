"""Checks that the mock driver saw exactly the launches of one host function, in order.

usage: check_launches.py GPU.mlir FUNCTION MOCK_OUTPUT
The expected launches are the `gpu.launch_func` ops of func.func @FUNCTION in the GPU dialect IR
(kernel name, grid and block sizes, which are constants there); the observed ones are the mock's
`launch NAME grid XxYxZ block XxYxZ` lines. Prints a summary on success, the difference and
exit code 1 otherwise.
"""
import re
import sys

mlir_text = open(sys.argv[1]).read()
function = sys.argv[2]
observed_text = open(sys.argv[3]).read()

body = re.search(r"func\.func @%s\(.*?\n  }\n" % re.escape(function), mlir_text, re.S)
if not body:
    sys.exit("no func.func @%s in %s" % (function, sys.argv[1]))
constant = r"%c(\d+)(?:_\d+)?"
launch = re.compile(r"gpu\.launch_func\s+@grad_kernels::@(\w+) blocks in \(%s, %s, %s\) "
                    r"threads in \(%s, %s, %s\)" % ((constant,) * 6))
expected = [(m.group(1), tuple(int(g) for g in m.groups()[1:]))
            for m in launch.finditer(body.group(0))]
observed = [(m.group(1), tuple(int(g) for g in m.groups()[1:]))
            for m in re.finditer(r"launch (\w+) grid (\d+)x(\d+)x(\d+) block (\d+)x(\d+)x(\d+)",
                                 observed_text)]
if not expected or expected != observed:
    print("expected launches: %s\nobserved launches: %s" % (expected, observed))
    sys.exit(1)
print("launches match: %d kernels of @%s in order, with their grids and blocks"
      % (len(expected), function))
