// Note [Short rows in one vector] (grad-tile-and-vectorize): a reduction over an innermost dim of
// 2 to 4 vectors (a softmax over 64 positions, rows of 48) is tiled as the whole row: one
// vector<64> read and one multi_reduction per row, no loop over 16-lane steps chained through a
// scalar accumulator. The row max that the exp-sum reads across its row is one tensor.extract +
// vector.broadcast (Note on ReadOneElementAsBroadcast), not a broadcasting transfer_read.
// Compiled against numpy (f32), and the interpreter.
// RUN: grad-opt %s --grad-fuse --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-tile-and-vectorize=vector-size=16 --canonicalize --cse | FileCheck %s
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py short_rows %t
// RUN: grad-run %s --fn=f --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s --check-prefix=MATCH
// RUN: grad-run %s --fn=f --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s --check-prefix=MATCH
// MATCH: all 2 outputs match

// CHECK-LABEL: func.func @f
// The row max: the whole row in one read and one reduction, no inner loop carrying it.
// CHECK:       vector.transfer_read {{.*}} : tensor<2x3x5x1x64xf32>, vector<1x1x1x1x64xf32>
// CHECK-NEXT:  vector.transfer_read
// CHECK-NEXT:  vector.multi_reduction <maximumf>, {{.*}} [4] : vector<1x1x1x1x64xf32> to vector<1x1x1x1xf32>
// The fused exp-sum (grad-fuse): a whole row too, reading the row's max once, as one element.
// CHECK:       vector.transfer_read {{.*}} : tensor<2x3x5x64xf32>, vector<1x1x1x64xf32>
// CHECK-NEXT:  %[[MAX:.+]] = tensor.extract %{{.+}} : tensor<2x3x5x1xf32>
// CHECK-NEXT:  vector.broadcast %[[MAX]] : f32 to vector<1x1x1x64xf32>
// CHECK:       math.exp {{.*}} : vector<1x1x1x64xf32>
// CHECK-NEXT:  vector.multi_reduction <add>, {{.*}} [3] : vector<1x1x1x64xf32> to vector<1x1x1xf32>
// The normalization is elementwise: one register per step, the max and the sum read as elements.
// CHECK:       scf.for %{{.+}} = %c0 to %c64 step %c16
// CHECK:       tensor.extract
// CHECK-NEXT:  vector.broadcast {{.*}} : f32 to vector<1x1x1x16xf32>
// Rows of 48 = 3 vectors: one read per row as well (the sum of squares becomes a contraction).
// CHECK:       vector.transfer_read {{.*}} : tensor<7x48xf32>, vector<1x48xf32>
// CHECK:       vector.contract {{.*}} : vector<1x48xf32>, vector<1x48xf32> into vector<1xf32>
func.func @f(%x: tensor<2x3x5x64xf32>, %y: tensor<7x48xf32>) -> (tensor<2x3x5x64xf32>, tensor<7xf32>) {
  %m = grad.max %x {axes = array<i64: 3>, keepdim = true} : tensor<2x3x5x64xf32> -> tensor<2x3x5x1xf32>
  %mb = grad.broadcast %m {dims = array<i64: 0, 1, 2, 3>} : tensor<2x3x5x1xf32> -> tensor<2x3x5x64xf32>
  %c = grad.sub %x, %mb : tensor<2x3x5x64xf32>
  %e = grad.exp %c : tensor<2x3x5x64xf32>
  %s = grad.sum %e {axes = array<i64: 3>, keepdim = true} : tensor<2x3x5x64xf32> -> tensor<2x3x5x1xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0, 1, 2, 3>} : tensor<2x3x5x1xf32> -> tensor<2x3x5x64xf32>
  %p = grad.div %e, %sb : tensor<2x3x5x64xf32>
  %q = grad.mul %y, %y : tensor<7x48xf32>
  %r = grad.sum %q {axes = array<i64: 1>} : tensor<7x48xf32> -> tensor<7xf32>
  return %p, %r : tensor<2x3x5x64xf32>, tensor<7xf32>
}
