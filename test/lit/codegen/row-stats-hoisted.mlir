// A row statistic read across its row (layer_norm's mean and rstd) is one element per row
// (Note [Short rows in one vector]: tensor.extract + vector.broadcast) and the pipeline moves it,
// with what is computed from it alone (the rsqrt, as sqrt + div), out of the row loop while it is
// a pure op on tensors: after bufferization LLVM could not hoist the load past the row's stores.
// RUN: grad-opt %s --grad-fuse --grad-lower-to-llvm --mlir-print-ir-after=grad-outline-kernels -o /dev/null 2>&1 | FileCheck %s
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py row_stats_hoisted %t
// RUN: grad-run %s --fn=f --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s --check-prefix=MATCH
// MATCH: all 1 outputs match

// The normalizing kernel: per row, the two loads, their broadcasts and the sqrt + div, then the
// loop over the row reads x only.
// CHECK-LABEL: func.func private @f_k3
// CHECK:       scf.for %[[ROW:.+]] = %c0 to %c8 step %c1 {
// CHECK-NEXT:    memref.load %{{.+}}[%[[ROW]], %c0] : memref<8x1xf32>
// CHECK-NEXT:    vector.broadcast
// CHECK-NEXT:    memref.load %{{.+}}[%[[ROW]], %c0] : memref<8x1xf32>
// CHECK-NEXT:    vector.broadcast
// CHECK-NEXT:    math.sqrt
// CHECK-NEXT:    arith.divf
// CHECK:         scf.for %{{.+}} = %c0 to %c256 step %c16 {
// CHECK-NEXT:      vector.transfer_read {{.*}} : memref<8x256xf32>, vector<1x16xf32>
// CHECK-NEXT:      arith.subf
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      vector.transfer_write
// CHECK-NEXT:    {{^ *}}}
func.func @f(%x: tensor<8x256xf32>, %v: tensor<8x1xf32>) -> tensor<8x256xf32> {
  %m = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<8x256xf32> -> tensor<8x1xf32>
  %mb = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<8x1xf32> -> tensor<8x256xf32>
  %c = grad.sub %x, %mb : tensor<8x256xf32>
  %r = grad.rsqrt %v : tensor<8x1xf32>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<8x1xf32> -> tensor<8x256xf32>
  %y = grad.mul %c, %rb : tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}
