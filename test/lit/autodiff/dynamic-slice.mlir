// --grad-autodiff of slices and concats with `?` dims (Note [Autodiff with dynamic dims]): fused
// q, k, v slices of x [B,T,6] to the end of B and T, a strided slice from 1 to the end of T,
// concats along the static last dim of `?` pieces. The gradient of a slice is a concat with
// zero pieces of run-time size, that of a concat slices to the end of its `?` dims. @qkv_grad
// runs at (B,T) = (6,3) and (8,5), compiled and interpreted, against numpy's finite differences
// (Inputs/dynamic_grad.py). What has no gradient yet, each a diagnostic at the op: a concat
// along a `?` axis (its pieces' gradients are slices at run-time offsets) and a slice with a
// static bound along a `?` dim (the specialized sizes would have to exceed the bound, and its
// gradient pads with zeros of run-time size B - bound).
// RUN: rm -rf %t && mkdir -p %t
// RUN: grad-opt %s --grad-autodiff --canonicalize --cse > %t/grad.mlir
// RUN: FileCheck %s --check-prefix=IR < %t/grad.mlir
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/a qkv 6 3 > %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/b qkv 8 5 >> %t/runs.txt
// RUN: FileCheck %s --check-prefix=NUM --implicit-check-not=MISMATCH < %t/runs.txt
// NUM:      qkv [6, 3] compiled f: ok
// NUM-NEXT: qkv [6, 3] compiled grad 0: [6, 3, 6] ok
// NUM-NEXT: qkv [6, 3] compiled grad 1: [6, 3, 3] ok
// NUM-NEXT: qkv [6, 3] interpreted f: ok
// NUM-NEXT: qkv [6, 3] interpreted grad 0: [6, 3, 6] ok
// NUM-NEXT: qkv [6, 3] interpreted grad 1: [6, 3, 3] ok
// NUM-NEXT: qkv [8, 5] compiled f: ok
// NUM-NEXT: qkv [8, 5] compiled grad 0: [8, 5, 6] ok
// NUM-NEXT: qkv [8, 5] compiled grad 1: [8, 5, 3] ok
// NUM-NEXT: qkv [8, 5] interpreted f: ok
// NUM-NEXT: qkv [8, 5] interpreted grad 0: [8, 5, 6] ok
// NUM-NEXT: qkv [8, 5] interpreted grad 1: [8, 5, 3] ok
//
// RUN: not grad-opt %s --grad-autodiff=func=cat 2>&1 | FileCheck %s --check-prefix=CAT
// CAT: dynamic-slice.mlir:[[@LINE+35]]:8: error: grad-autodiff: cannot build the gradient of @cat for its `?` dims (at the gradient of 'grad.concat'): a 'grad.slice' limit of dim 0 takes the values
// RUN: not grad-opt %s --grad-autodiff=func=bound 2>&1 | FileCheck %s --check-prefix=BOUND
// BOUND: dynamic-slice.mlir:[[@LINE+39]]:1: error: grad-autodiff: cannot choose sizes for the `?` dims of @bound that satisfy 'grad.slice' op at {{.*}}dynamic-slice.mlir:[[@LINE+40]]:8: the limit of dim 0 vs operand dim 0

func.func @qkv(%x: tensor<?x?x6xf64>, %y: tensor<?x?x3xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %q = grad.slice %x {starts = array<i64: 0, 0, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808, 2>, strides = array<i64: 1, 1, 1>} : tensor<?x?x6xf64> -> tensor<?x?x2xf64>
  %k = grad.slice %x {starts = array<i64: 0, 0, 2>, limits = array<i64: -9223372036854775808, -9223372036854775808, 4>, strides = array<i64: 1, 1, 1>} : tensor<?x?x6xf64> -> tensor<?x?x2xf64>
  %v = grad.slice %x {starts = array<i64: 0, 0, 4>, limits = array<i64: -9223372036854775808, -9223372036854775808, 6>, strides = array<i64: 1, 1, 1>} : tensor<?x?x6xf64> -> tensor<?x?x2xf64>
  %s = grad.slice %x {starts = array<i64: 0, 1, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808, 6>, strides = array<i64: 1, 1, 3>} : tensor<?x?x6xf64> -> tensor<?x?x2xf64>
  %eq = grad.exp %q : tensor<?x?x2xf64>
  %p = grad.mul %eq, %k : tensor<?x?x2xf64>
  %a = grad.sum %p {axes = array<i64: 0, 1, 2>} : tensor<?x?x2xf64> -> tensor<f64>
  %kv = grad.concat %k, %v {axis = 2 : i64} : tensor<?x?x2xf64>, tensor<?x?x2xf64> -> tensor<?x?x4xf64>
  %kk = grad.mul %kv, %kv : tensor<?x?x4xf64>
  %b0 = grad.sum %kk {axes = array<i64: 0, 1, 2>} : tensor<?x?x4xf64> -> tensor<f64>
  %half = grad.constant dense<0.5> : tensor<f64>
  %b = grad.mul %b0, %half : tensor<f64>
  %qy = grad.concat %q, %y {axis = 2 : i64} : tensor<?x?x2xf64>, tensor<?x?x3xf64> -> tensor<?x?x5xf64>
  %sq = grad.sin %qy : tensor<?x?x5xf64>
  %c = grad.sum %sq {axes = array<i64: 0, 1, 2>} : tensor<?x?x5xf64> -> tensor<f64>
  %ss = grad.mul %s, %s : tensor<?x?x2xf64>
  %d = grad.sum %ss {axes = array<i64: 0, 1, 2>} : tensor<?x?x2xf64> -> tensor<f64>
  %ab = grad.add %a, %b : tensor<f64>
  %cd = grad.add %c, %d : tensor<f64>
  %f = grad.add %ab, %cd : tensor<f64>
  return %f : tensor<f64>
}

// IR-LABEL: func.func @qkv_grad(%arg0: tensor<?x?x6xf64>, %arg1: tensor<?x?x3xf64>) -> (tensor<f64>, tensor<?x?x6xf64>, tensor<?x?x3xf64>)
// IR: grad.slice %arg0 {limits = array<i64: -9223372036854775808, -9223372036854775808, 2>
// IR: grad.slice %arg0 {limits = array<i64: -9223372036854775808, -9223372036854775808, 6>, starts = array<i64: 0, 1, 0>, strides = array<i64: 1, 1, 3>}
// IR: grad.concat {{.*}} : tensor<?x?x2xf64>, tensor<?x?x2xf64> -> tensor<?x?x4xf64>
// IR: return {{.*}} : tensor<f64>, tensor<?x?x6xf64>, tensor<?x?x3xf64>

func.func @cat(%x: tensor<?x2xf64>, %y: tensor<3x2xf64>) -> tensor<f64> {
  %c = grad.concat %x, %y {axis = 0 : i64} : tensor<?x2xf64>, tensor<3x2xf64> -> tensor<?x2xf64>
  %e = grad.exp %c : tensor<?x2xf64>
  %s = grad.sum %e {axes = array<i64: 0, 1>} : tensor<?x2xf64> -> tensor<f64>
  return %s : tensor<f64>
}

func.func @bound(%x: tensor<?x2xf64>) -> tensor<f64> {
  %s = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: 6, 2>, strides = array<i64: 1, 1>} : tensor<?x2xf64> -> tensor<6x2xf64>
  %e = grad.exp %s : tensor<6x2xf64>
  %r = grad.sum %e {axes = array<i64: 0, 1>} : tensor<6x2xf64> -> tensor<f64>
  return %r : tensor<f64>
}
