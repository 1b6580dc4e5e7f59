// Malformed MLIR: a diagnostic with file:line:col and exit code 1 (checked exactly).
// RUN: not gradc %s --emit=mlir 2>&1 | FileCheck %s
// RUN: sh -c 'gradc "$0" --emit=obj -o /dev/null 2>/dev/null; echo "exit code $?"' %s | FileCheck %s --check-prefix=CODE
// CODE: exit code 1

func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: error-syntax.mlir:[[@LINE+1]]:{{[0-9]+}}: error: {{.+}}
  %0 = grad.add %x, : tensor<2xf32>
  return %0 : tensor<2xf32>
}
