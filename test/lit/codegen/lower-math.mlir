// --grad-lower-math: f32 tanh becomes MLIR's polynomial approximation (vector-friendly fmas, no
// libm call), rsqrt becomes 1 / sqrt; an f64 exp stays math.exp (libm later).
// RUN: grad-opt %s --grad-lower-math | FileCheck %s
// CHECK-LABEL: func.func @math(
// CHECK-SAME:    %[[X:.+]]: vector<16xf32>, %[[Y:.+]]: f32, %[[Z:.+]]: f64)
// CHECK-NOT:     math.tanh
// CHECK:         math.fma {{.*}} : vector<16xf32>
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.rsqrt
// CHECK:         %[[SQ:.+]] = math.sqrt %[[Y]] : f32
// CHECK-NEXT:    %[[R:.+]] = arith.divf %{{.+}}, %[[SQ]] : f32
// CHECK:         %[[E:.+]] = math.exp %[[Z]] : f64
// CHECK:         return %{{.+}}, %[[R]], %[[E]]
func.func @math(%x: vector<16xf32>, %y: f32, %z: f64) -> (vector<16xf32>, f32, f64) {
  %t = math.tanh %x : vector<16xf32>
  %r = math.rsqrt %y : f32
  %e = math.exp %z : f64
  return %t, %r, %e : vector<16xf32>, f32, f64
}
