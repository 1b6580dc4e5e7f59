// Note [Boolean inputs are read as bytes] (grad-tile-and-vectorize): an op that reads an i1
// tensor (attention's causal mask under `where`) reads it widened to i8 by a small generic of its
// own and truncates in its body, so that it vectorizes; only the widening stays scalar. Compiled
// against numpy (f32), and the interpreter.
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-tile-and-vectorize=vector-size=16 --canonicalize --cse | FileCheck %s
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-parallelize=min-work=1 --grad-tile-and-vectorize=vector-size=16 --canonicalize --cse | FileCheck %s --check-prefix=FORALL
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py bool_inputs %t
// RUN: grad-run %s --fn=f --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s --check-prefix=MATCH
// RUN: grad-run %s --fn=f --interpret --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s --check-prefix=MATCH
// MATCH: all 2 outputs match

// CHECK-LABEL: func.func @f
// The mask is widened once, in its own [16, 32] loop nest (a scalar generic: i1 in, i8 out) ...
// CHECK:       tensor.empty() : tensor<16x32xi8>
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%{{.+}} : tensor<1x16xi1>) outs(%{{.+}} : tensor<1x16xi8>)
// CHECK:         arith.extui %{{.+}} : i1 to i8
// ... and the masked exp over [2, 3, 16, 32] reads it as bytes, 16 at a time.
// CHECK:       vector.transfer_read {{.*}} : tensor<16x32xi8>, vector<1x16xi8>
// CHECK:       arith.trunci {{.*}} : vector<1x16xi8> to vector<1x16xi1>
// CHECK:       math.exp {{.*}} : vector<1x1x1x16xf32>
// CHECK:       arith.select {{.*}} : vector<1x1x1x16xi1>, vector<1x1x1x16xf32>
// CHECK-NOT:   linalg.generic
// CHECK:       vector.multi_reduction <add>
// Inside grad-parallelize's forall the consumer reads a slice of the mask: the whole mask is
// still widened once, before the loop, and the slice is taken from the bytes.
// FORALL-LABEL: func.func @f
// FORALL:       arith.extui %{{.+}} : i1 to i8
// FORALL:       scf.forall
// FORALL-NOT:   arith.extui
// FORALL:         vector.transfer_read {{.*}} : tensor<16x32xi8>, vector<1x16xi8>
// FORALL:         arith.trunci {{.*}} : vector<1x16xi8> to vector<1x16xi1>
// FORALL-NOT:   arith.extui
func.func @f(%x: tensor<2x3x16x32xf32>, %y: tensor<2x3x16x32xf32>, %m: tensor<16x32xi1>) -> (tensor<2x3x16x32xf32>, tensor<2x3x16xf32>) {
  %mb = grad.broadcast %m {dims = array<i64: 2, 3>} : tensor<16x32xi1> -> tensor<2x3x16x32xi1>
  %e = grad.exp %x : tensor<2x3x16x32xf32>
  %w = grad.select %mb, %e, %y : tensor<2x3x16x32xi1>, tensor<2x3x16x32xf32>
  %s = grad.sum %w {axes = array<i64: 3>} : tensor<2x3x16x32xf32> -> tensor<2x3x16xf32>
  return %w, %s : tensor<2x3x16x32xf32>, tensor<2x3x16xf32>
}
