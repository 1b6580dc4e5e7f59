// Malformed input is an error with a location and exit code 1, never a crash.
// RUN: split-file %s %t
// RUN: not grad-opt %t/syntax.mlir 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not grad-opt %t/unknown-op.mlir 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not grad-opt %t/type-clash.mlir 2>&1 | FileCheck %s --check-prefix=CLASH
// RUN: not grad-opt %t/attr-kind.mlir 2>&1 | FileCheck %s --check-prefix=ATTR
// RUN: not grad-opt %t/missing-attr.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not grad-opt %t/truncated.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: sh -c 'grad-opt %t/syntax.mlir > /dev/null 2>&1; test $? -eq 1'
// RUN: sh -c 'grad-opt %t/missing-attr.mlir > /dev/null 2>&1; test $? -eq 1'

// SYNTAX: syntax.mlir:2:20: error: expected SSA operand
// UNKNOWN: unknown-op.mlir:2:8: error: custom op 'grad.frobnicate' is unknown
// CLASH: type-clash.mlir:2:17: error: use of value '%a' expects different type than prior uses: 'tensor<2xf32>' vs 'tensor<3xf32>'
// ATTR: attr-kind.mlir:2:20: error: {{.*}}'grad.sum' op attribute 'axes' failed to satisfy constraint: i64 dense array attribute
// MISSING: missing-attr.mlir:2:8: error: 'grad.transpose' op requires attribute 'perm'
// TRUNC: truncated.mlir:2:47: error: expected integer literal

//--- syntax.mlir
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = grad.add %a, : tensor<2xf32>
  return %0 : tensor<2xf32>
}
//--- unknown-op.mlir
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = grad.frobnicate %a : tensor<2xf32>
  return %0 : tensor<2xf32>
}
//--- type-clash.mlir
func.func @f(%a: tensor<3xf32>) -> tensor<2xf32> {
  %0 = grad.add %a, %a : tensor<2xf32>
  return %0 : tensor<2xf32>
}
//--- attr-kind.mlir
func.func @f(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = grad.sum %a {axes = [1]} : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
//--- missing-attr.mlir
func.func @f(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = grad.transpose %a : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
//--- truncated.mlir
func.func @f(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = grad.transpose %a {perm = array<i64: 1,
