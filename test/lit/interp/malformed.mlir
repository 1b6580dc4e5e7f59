// A syntax error and an op that fails verification: diagnostics with file:line:col, exit 1.
// RUN: split-file %s %t
// RUN: not grad-run %t/syntax.mlir --fn=f 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: syntax.mlir:2:{{[0-9]+}}: error:
// SYNTAX: grad-run: error: cannot parse
// RUN: not grad-run %t/invalid.mlir --fn=f 2>&1 | FileCheck %s --check-prefix=INVALID
// INVALID: invalid.mlir:2:{{[0-9]+}}: error: 'grad.matmul' op
// INVALID: grad-run: error: cannot parse
// RUN: not grad-run %t/unknown.mlir --fn=f 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: unknown.mlir:2:{{[0-9]+}}: error: {{.*}}grad.frobnicate
// RUN: not grad-run %t/empty.mlir --fn=f 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: grad-run: error: no function @f in '{{.*}}empty.mlir' (it has no functions)

//--- syntax.mlir
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = grad.exp %x : tensor<2xf32
  return %0 : tensor<2xf32>
}
//--- invalid.mlir
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
//--- unknown.mlir
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = grad.frobnicate %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
//--- empty.mlir
