// Note [Row reductions in vector registers] (grad-tile-and-vectorize): a reduction over the
// innermost dim of 256 = 16 x 16 runs into 16 partial sums per row (a vector accumulator, added to
// vertically), then one reduction of the 16 partials; a max the same with -inf partials.
// Compiled against numpy (f32), and the interpreter.
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise=sibling-reductions=true --grad-merge-sibling-reductions --canonicalize --cse --grad-tile-and-vectorize=vector-size=16 --canonicalize --cse | FileCheck %s
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py row_reductions %t
// RUN: grad-run %s --fn=f --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s --check-prefix=MATCH
// RUN: grad-run %s --fn=f --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s --check-prefix=MATCH
// MATCH: all 4 outputs match

// CHECK-LABEL: func.func @f
// The four reductions read x: one loop nest (--grad-merge-sibling-reductions). Its row loop of 16
// steps of 16 lanes adds (or takes the max) vertically into vector<1x16> accumulators: no
// horizontal reduction inside it.
// CHECK:       scf.for %{{.+}} = %c0 to %c16 step %c1 iter_args
// CHECK:         vector.transfer_read {{.*}} : tensor<6x16x16xf32>, vector<1x1x16xf32>
// CHECK-NOT:     vector.multi_reduction
// CHECK:         arith.addf {{.*}} : vector<1x16xf32>
// CHECK-NEXT:    arith.maximumf {{.*}} : vector<1x16xf32>
// CHECK-NOT:     vector.multi_reduction
// CHECK:         vector.transfer_write {{.*}} : vector<1x16xf32>, tensor<6x16xf32>
// Then the 16 partials of each row, once per row.
// CHECK:       vector.multi_reduction <add>, {{.*}} : vector<1x16xf32> to vector<1xf32>
// CHECK:       vector.multi_reduction <maximumf>, {{.*}} : vector<1x16xf32> to vector<1xf32>
func.func @f(%x: tensor<6x256xf32>, %y: tensor<6x256xf32>) -> (tensor<6xf32>, tensor<6xf32>, tensor<6x1xf32>, tensor<6xf32>) {
  %s = grad.sum %x {axes = array<i64: 1>} : tensor<6x256xf32> -> tensor<6xf32>
  %m = grad.max %x {axes = array<i64: 1>} : tensor<6x256xf32> -> tensor<6xf32>
  %a = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<6x256xf32> -> tensor<6x1xf32>
  %p = grad.mul %x, %y : tensor<6x256xf32>
  %d = grad.sum %p {axes = array<i64: 1>} : tensor<6x256xf32> -> tensor<6xf32>
  return %s, %m, %a, %d : tensor<6xf32>, tensor<6xf32>, tensor<6x1xf32>, tensor<6xf32>
}
