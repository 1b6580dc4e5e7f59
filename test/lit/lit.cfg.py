# lit configuration for grad: every .mlir / .test file under test/lit is a test.
import os
import shutil
import lit.formats
from lit.llvm import llvm_config

config.name = "grad"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.grad_obj_root, "test", "lit")

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.grad_tools_dir, append_path=True)

# Before lit's own %python substitution, which would otherwise match the prefix of %python_numpy.
config.substitutions.insert(0, ("%python_numpy", config.python_numpy))
config.substitutions.append(("%grad_src", config.grad_src_root))
if os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))

# Graphviz (scripts/install-deps.sh installs it): tests that render DOT say REQUIRES or %if.
if shutil.which("dot"):
    config.available_features.add("graphviz")
# The demo (examples/charlm), built with the native jit.
if os.path.exists(os.path.join(config.grad_tools_dir, "charlm")):
    config.available_features.add("charlm")

tools = ["charlm", "grad-opt", "grad-run", "gradc", "FileCheck", "not", "count", "split-file"]
llvm_config.add_tool_substitutions(
    [t for t in tools if os.path.exists(os.path.join(config.grad_tools_dir, t))
     or os.path.exists(os.path.join(config.llvm_tools_dir, t))],
    [config.grad_tools_dir, config.llvm_tools_dir])
