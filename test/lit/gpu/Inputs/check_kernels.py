"""Checks that a PTX file holds exactly the kernels an --emit=mlir run launches.

usage: check_kernels.py GPU.mlir KERNELS.ptx MIN_KERNELS
Every `gpu.launch_func @grad_kernels::@K` of the GPU dialect IR must be a `.visible .entry K(`
of the PTX and vice versa; the PTX may call no external function (everything is inlined or
lowered to PTX instructions), and there must be at least MIN_KERNELS kernels. Prints one line
per model on success; exits 1 with the difference otherwise.
"""
import re
import sys

mlir_text = open(sys.argv[1]).read()
ptx_text = open(sys.argv[2]).read()
minimum = int(sys.argv[3])
launched = set(re.findall(r"gpu\.launch_func\s+@grad_kernels::@(\w+)", mlir_text))
entries = set(re.findall(r"\.visible \.entry (\w+)\(", ptx_text))
externs = re.findall(r"\.extern \.func[^;]*", ptx_text)
errors = []
if launched != entries:
    errors.append("launched but not in the PTX: %s; in the PTX but never launched: %s"
                  % (sorted(launched - entries), sorted(entries - launched)))
if externs:
    errors.append("external calls: %s" % externs)
if len(entries) < minimum:
    errors.append("%d kernels, expected at least %d" % (len(entries), minimum))
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("kernels: %d, all launched, all entries, no external calls" % len(entries))
