// Ops whose innermost dim is `?` (a masked softmax over the sequence length T, as in attention
// over [B,H,T,T]) are tiled by one vector register along it and vectorized with masks (Note
// [Masked tiles of a `?` innermost loop] in TileAndVectorize.cpp): the last, partial tile runs
// masked; row reductions keep 16 partial results in a register. Compiled once, run with 37
// columns (two full tiles of 16 and a tail of 5), 16 (no tail) and 5 (the tail only), against
// numpy.
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/a 5 37
// RUN: grad-run %s --fn=softmax --input=%t/a/x.npy --input=%t/a/m.npy --output-dir=%t/a --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/a %t/a | FileCheck %s --check-prefix=RUN37
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/b 3 16
// RUN: grad-run %s --fn=softmax --input=%t/b/x.npy --input=%t/b/m.npy --output-dir=%t/b --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/b %t/b | FileCheck %s --check-prefix=RUN16
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/c 4 5
// RUN: grad-run %s --fn=softmax --input=%t/c/x.npy --input=%t/c/m.npy --output-dir=%t/c --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/c %t/c | FileCheck %s --check-prefix=RUN5
// Rows of negative values: the max of a partial tile must not see the masked read's padding
// (Note [Masked reductions take the neutral element] in LowerVector.cpp).
// RUN: mkdir -p %t/d %t/e
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/d 3 3 negative
// RUN: grad-run %s --fn=softmax --input=%t/d/x.npy --input=%t/d/m.npy --output-dir=%t/d --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/d %t/d | FileCheck %s --check-prefix=NEG3
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/e 2 17 negative
// RUN: grad-run %s --fn=softmax --input=%t/e/x.npy --input=%t/e/m.npy --output-dir=%t/e --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/e %t/e | FileCheck %s --check-prefix=NEG17
// NEG3: output 1: float32[3, 1] ok
// NEG3: all 2 outputs match
// NEG17: output 1: float32[2, 1] ok
// NEG17: all 2 outputs match
// RUN37: output 0: float32[5, 37] ok
// RUN37: output 1: float32[5, 1] ok
// RUN37: all 2 outputs match
// RUN16: output 0: float32[3, 16] ok
// RUN16: all 2 outputs match
// RUN5: output 0: float32[4, 5] ok
// RUN5: all 2 outputs match
//
// The vector code: a loop of step 16 over the `?` dim whose reads, writes and row reductions
// are masked by the lanes left (the i1 mask is read as i8, Note [Boolean inputs are read as
// bytes], now also with `?` dims).
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-tile-and-vectorize=vector-size=16 --canonicalize --cse | FileCheck %s
// CHECK-LABEL: func.func @softmax
// CHECK: scf.for %{{.*}} step %c16
// CHECK: %[[M:.*]] = vector.create_mask %c1, %c1, %{{.*}} : vector<1x1x16xi1>
// CHECK: vector.mask %[[M]] { vector.multi_reduction <maximumf>, {{.*}} : vector<1x1x16xf32> to vector<1x1xf32> }
// CHECK: scf.for %{{.*}} step %c16
// CHECK: %[[E:.*]] = vector.create_mask %c1, %{{.*}} : vector<1x16xi1>
// CHECK: vector.transfer_read {{.*}}, %[[E]] {in_bounds = [true, true]} : tensor<1x?xi8>, vector<1x16xi8>
// CHECK: vector.transfer_read {{.*}}, %[[E]] {in_bounds = [true, true]} : tensor<1x?xf32>, vector<1x16xf32>
// CHECK: math.exp {{.*}} : vector<1x16xf32>
// CHECK: vector.transfer_write {{.*}}, %[[E]] {in_bounds = [true, true]} : vector<1x16xf32>, tensor<1x?xf32>
// CHECK: vector.multi_reduction <add>
//
// After bufferization the row max and row sum carry a tile of 16 partial results across the
// row's tiles (the masked-off lanes of the last tile replaced by -inf, -0.0) and reduce them
// once after the loop (Note [Masked row reductions accumulate in a vector] in LowerVector.cpp).
// RUN: grad-opt %s --grad-lower-to-llvm=vector-size=16 -o /dev/null --mlir-print-ir-after=grad-lower-vector 2>&1 | FileCheck %s --check-prefix=ACC
// ACC: %[[NEGINF:.*]] = arith.constant dense<0xFF800000> : vector<1x16xf32>
// ACC: scf.for {{.*}} step %c16 iter_args(%{{.*}} = %{{.*}}, %[[MAXP:.*]] = %[[NEGINF]]) -> (vector<1xf32>, vector<1x16xf32>)
// ACC: %[[M1:.*]] = arith.select %{{.*}}, %{{.*}}, %[[NEGINF]] : vector<1x16xi1>, vector<1x16xf32>
// ACC: arith.maximumf %[[MAXP]], %[[M1]] : vector<1x16xf32>
// ACC-NOT: vector.reduction
// ACC: }
// ACC: vector.reduction <maximumf>, %{{.*}} : vector<16xf32> into f32
// ACC: %[[NEGZERO:.*]] = arith.constant dense<-0.000000e+00> : vector<1x16xf32>
// ACC: scf.for {{.*}} step %c16 iter_args(%{{.*}} = %{{.*}}, %[[SUMP:.*]] = %[[NEGZERO]]) -> (vector<1xf32>, vector<1x16xf32>)
// ACC: %[[S1:.*]] = arith.select %{{.*}}, %{{.*}}, %[[NEGZERO]] : vector<1x16xi1>, vector<1x16xf32>
// ACC: arith.addf %[[SUMP]], %[[S1]] : vector<1x16xf32>
// ACC-NOT: vector.reduction
// ACC: }
// ACC: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32

func.func @softmax(%x: tensor<?x?xf32>, %m: tensor<?x?xi1>) -> (tensor<?x?xf32>, tensor<?x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?xf32>
  %rmax = grad.max %x {axes = array<i64: 1>, keepdim = true} : tensor<?x?xf32> -> tensor<?x1xf32>
  %bm = grad.broadcast %rmax sizes(%n, %t) {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x?xf32>
  %sh = grad.sub %x, %bm : tensor<?x?xf32>
  %e = grad.exp %sh : tensor<?x?xf32>
  %z = grad.sub %e, %e : tensor<?x?xf32>
  %me = grad.select %m, %e, %z : tensor<?x?xi1>, tensor<?x?xf32>
  %s = grad.sum %me {axes = array<i64: 1>, keepdim = true} : tensor<?x?xf32> -> tensor<?x1xf32>
  %bs = grad.broadcast %s sizes(%n, %t) {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x?xf32>
  %p = grad.div %me, %bs : tensor<?x?xf32>
  return %p, %s : tensor<?x?xf32>, tensor<?x1xf32>
}
