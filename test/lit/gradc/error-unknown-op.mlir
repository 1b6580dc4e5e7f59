// An op the grad dialect does not have: a diagnostic with file:line:col and exit code 1.
// RUN: not gradc %s --emit=obj -o %t.o 2>&1 | FileCheck %s
// RUN: not test -e %t.o

func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: error-unknown-op.mlir:[[@LINE+1]]:{{[0-9]+}}: error: {{.*}}'grad.frobnicate'{{.*}}
  %0 = grad.frobnicate %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
