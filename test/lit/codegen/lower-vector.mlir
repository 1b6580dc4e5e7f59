// --grad-lower-vector: a 2-D multi-reduction becomes a 1-D vector.reduction (reassociation
// allowed, so LLVM may use a tree of shuffles) that convert-vector-to-llvm understands.
// RUN: grad-opt %s --grad-lower-vector | FileCheck %s
// CHECK-LABEL: func.func @reduce(
// CHECK-SAME:    %[[V:.+]]: vector<1x16xf32>, %[[ACC:.+]]: vector<1xf32>)
// CHECK-NOT:     vector.multi_reduction
// CHECK:         %[[ROW:.+]] = vector.extract %[[V]][0] : vector<16xf32> from vector<1x16xf32>
// CHECK:         %[[A:.+]] = vector.extract %[[ACC]][0] : f32 from vector<1xf32>
// CHECK:         vector.reduction <add>, %[[ROW]], %[[A]] fastmath<reassoc> : vector<16xf32> into f32
func.func @reduce(%v: vector<1x16xf32>, %acc: vector<1xf32>) -> vector<1xf32> {
  %r = vector.multi_reduction <add>, %v, %acc [1] : vector<1x16xf32> to vector<1xf32>
  return %r : vector<1xf32>
}
