// RUN: grad-opt %s --split-input-file --grad-matmul-to-blas=parallel-batch=true --canonicalize | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-matmul-to-blas --canonicalize | FileCheck %s --check-prefix=SERIAL
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm=blas-matmul=1 | FileCheck %s --check-prefix=LLVM

// Note [Parallel batches of small gemms]: the batch loops of a gemm below OpenBLAS's threading
// threshold (M * N * K <= 262144) are one scf.forall (OpenMP threads after outlining); larger
// gemms keep serial scf.for loops (OpenBLAS threads each call); without the option all are serial.

// Attention scores: 2 x 4 heads of [16 x 8] @ [8 x 16], one gemm per (batch, head).
// CHECK-LABEL: func.func @small
// CHECK:       scf.forall (%[[B:.+]], %[[H:.+]]) in (2, 4) {
// CHECK-NOT:     scf.for
// CHECK:         call @grad_gemm_f32
// CHECK:       }
// SERIAL-LABEL: func.func @small
// SERIAL-NOT:  scf.forall
// SERIAL:      scf.for
// SERIAL:        scf.for
// SERIAL:          call @grad_gemm_f32
// LLVM-LABEL:  llvm.func internal @small_k{{[0-9]+}}(
// LLVM:        omp.parallel
// LLVM:          omp.wsloop
// LLVM:            llvm.call @grad_gemm_f32
func.func @small(%a: memref<2x4x16x8xf32>, %b: memref<2x4x8x16xf32>, %c: memref<2x4x16x16xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<2x4x16x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(b, h, m, n, k) -> (b, h, m, k)>,
                                   affine_map<(b, h, m, n, k) -> (b, h, k, n)>,
                                   affine_map<(b, h, m, n, k) -> (b, h, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x4x16x8xf32>, memref<2x4x8x16xf32>) outs(%c : memref<2x4x16x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// 3 gemms of 128 x 64 x 64 (524288 multiply-adds each): OpenBLAS threads each call.
// CHECK-LABEL: func.func @large
// CHECK-NOT:   scf.forall
// CHECK:       scf.for
// CHECK:         call @grad_gemm_f32
func.func @large(%a: memref<3x128x64xf32>, %b: memref<3x64x64xf32>, %c: memref<3x128x64xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<3x128x64xf32>)
  linalg.batch_matmul ins(%a, %b : memref<3x128x64xf32>, memref<3x64x64xf32>) outs(%c : memref<3x128x64xf32>)
  return
}
