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

// erf: f32 becomes MLIR's polynomial approximation (no libm call in a vector loop); f64 stays
// math.erf, which convert-math-to-libm turns into a call to libm's erf, and a vector of f64 is
// unrolled into one scalar erf per element first (that pass runs after the vector lowering).
// CHECK-LABEL: func.func @erf(
// CHECK-SAME:    %[[XF:.+]]: vector<8xf32>, %[[XD:.+]]: f64, %[[VD:.+]]: vector<2xf64>)
// CHECK-NOT:     math.erf %[[XF]]
// CHECK:         %[[ED:.+]] = math.erf %[[XD]] : f64
// CHECK:         %[[V0:.+]] = vector.extract %[[VD]][0] : f64 from vector<2xf64>
// CHECK-NEXT:    %[[E0:.+]] = math.erf %[[V0]] : f64
// CHECK-NEXT:    %[[I0:.+]] = vector.insert %[[E0]], %{{.+}} [0] : f64 into vector<2xf64>
// CHECK-NEXT:    %[[V1:.+]] = vector.extract %[[VD]][1] : f64 from vector<2xf64>
// CHECK-NEXT:    %[[E1:.+]] = math.erf %[[V1]] : f64
// CHECK-NEXT:    %[[I1:.+]] = vector.insert %[[E1]], %[[I0]] [1] : f64 into vector<2xf64>
// CHECK:         return %{{.+}}, %[[ED]], %[[I1]]
func.func @erf(%x: vector<8xf32>, %y: f64, %z: vector<2xf64>) -> (vector<8xf32>, f64, vector<2xf64>) {
  %a = math.erf %x : vector<8xf32>
  %b = math.erf %y : f64
  %c = math.erf %z : vector<2xf64>
  return %a, %b, %c : vector<8xf32>, f64, vector<2xf64>
}
