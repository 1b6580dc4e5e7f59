// A dynamic shape has no GPU mapping: a diagnostic at the op, exit code 2 (code generation), no PTX.
// RUN: rm -f %t.ptx
// RUN: not gradc %s --target=nvptx --emit=ptx -o %t.ptx 2>&1 | FileCheck %s
// RUN: not test -e %t.ptx
// CHECK: error-dynamic.mlir:8:8: error: grad-gpu: dynamic shapes are not supported by the GPU backend (loop ranges of this linalg.generic are not all static)

func.func @dyn(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<?xf32>) outs(%x : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %1 = arith.addf %a, %a : f32
    linalg.yield %1 : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
