// grad-run's printed form, checked against hand-computed values: numpy's nested layout, shortest
// round-trip digits for floats (".0" on integral values), True/False for masks, a 0-d scalar,
// and numpy-style summarization of long dimensions (--print-threshold).
// RUN: grad-run %s --fn=values | FileCheck %s
// RUN: grad-run %s --fn=long --print-threshold=4 | FileCheck %s --check-prefix=SUMMARY
// RUN: grad-run %s --fn=long | FileCheck %s --check-prefix=FULL
// RUN: cat %s | grad-run - --fn=long | FileCheck %s --check-prefix=FULL

// CHECK:      out0: f32[2,2]
// CHECK-NEXT: {{^}}{{\[\[}}7.0, 10.0],
// CHECK-NEXT: {{^}} [15.0, 22.0]]
// CHECK-NEXT: out1: f32[]
// CHECK-NEXT: {{^}}54.0
// CHECK-NEXT: out2: b8[3]
// CHECK-NEXT: {{^}}[True, False, True]
// CHECK-NEXT: out3: i64[2,2,2]
// CHECK-NEXT: {{^}}[{{\[}}[1, 4],
// CHECK-NEXT: {{^}}  [9, 16]],
// CHECK-EMPTY:
// CHECK-NEXT: {{^}} {{\[}}[25, 36],
// CHECK-NEXT: {{^}}  [49, 64]]]
// CHECK-NEXT: out4: f64[2]
// CHECK-NEXT: {{^}}[0.30000000000000004, 2.9999999999999997e-20]
func.func @values() -> (tensor<2x2xf32>, tensor<f32>, tensor<3xi1>, tensor<2x2x2xi64>, tensor<2xf64>) {
  %a = grad.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %m = grad.matmul %a, %a : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  %s = grad.sum %m {axes = array<i64: 0, 1>} : tensor<2x2xf32> -> tensor<f32>
  %v = grad.constant dense<[1.0, -2.0, 0.5]> : tensor<3xf32>
  %z = grad.constant dense<0.0> : tensor<3xf32>
  %c = grad.cmp "gt", %v, %z : tensor<3xf32>
  %i = grad.constant dense<[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]> : tensor<2x2x2xi64>
  %sq = grad.mul %i, %i : tensor<2x2x2xi64>
  %d = grad.constant dense<[0.1, 1.0e-20]> : tensor<2xf64>
  %three = grad.constant dense<3.0> : tensor<2xf64>
  %d3 = grad.mul %d, %three : tensor<2xf64>
  return %m, %s, %c, %sq, %d3 : tensor<2x2xf32>, tensor<f32>, tensor<3xi1>, tensor<2x2x2xi64>, tensor<2xf64>
}

// SUMMARY:      out0: f32[8]
// SUMMARY-NEXT: {{^}}[0.5, 1.5, 2.5, ..., 5.5, 6.5, 7.5]{{$}}
// FULL:         {{^}}[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]{{$}}
func.func @long() -> tensor<8xf32> {
  %a = grad.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<8xf32>
  %h = grad.constant dense<0.5> : tensor<8xf32>
  %r = grad.add %a, %h : tensor<8xf32>
  return %r : tensor<8xf32>
}
