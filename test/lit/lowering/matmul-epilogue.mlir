// RUN: grad-opt %s --grad-fuse --grad-lower-to-linalg --canonicalize --linalg-fuse-elementwise-ops --canonicalize --cse --grad-tile-and-vectorize --canonicalize --cse --split-input-file | FileCheck %s

// gelu(x @ w + b), 128x256x128 (cache tile 64x128x64): ONE loop nest. The outer M, N tile
// loops contain the K loop (pack the B tile, 8x32 register tiles -> vector.contract) and then
// the bias add + gelu on the finished 64x128 tile, which is written once into the result.
// CHECK-LABEL: func.func @dense_gelu
// CHECK-NOT:     scf.for
// CHECK-NOT:     linalg.
// CHECK:         %[[R:.+]] = scf.for %{{.+}} = %c0 to %c128 step %c64
// CHECK-NEXT:      scf.for %{{.+}} = %c0 to %c256 step %c128
// CHECK:             tensor.empty() : tensor<64x128xf32>
// CHECK:             scf.for %{{.+}} = %c0 to %c128 step %c64
// CHECK:               vector.contract
// CHECK:             arith.addf
// CHECK:             math.tanh
// CHECK:             tensor.insert_slice %{{.+}} into %{{.+}} [64, 128] [1, 1] : tensor<64x128xf32> into tensor<128x256xf32>
// CHECK-NEXT:        scf.yield
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]
func.func @dense_gelu(%x: tensor<128x128xf32>, %w: tensor<128x256xf32>, %b: tensor<256xf32>) -> tensor<128x256xf32> {
  %m = grad.matmul %x, %w : tensor<128x128xf32>, tensor<128x256xf32> -> tensor<128x256xf32>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<256xf32> -> tensor<128x256xf32>
  %s = grad.add %m, %bb : tensor<128x256xf32>
  %g = grad.gelu %s : tensor<128x256xf32>
  return %g : tensor<128x256xf32>
}

// -----

// The matmul's result is also returned: it must be written whole, so it is not fused (two
// nests: the matmul's, then the tanh's).
// CHECK-LABEL: func.func @used_twice
// CHECK:         %[[M:.+]] = scf.for %{{.+}} = %c0 to %c128 step %c64
// CHECK:           vector.contract
// CHECK-NOT:       math.tanh
// CHECK:         %[[T:.+]] = scf.for %{{.+}} = %c0 to %c128 step %c1
// CHECK:           math.tanh
// CHECK:         return %[[M]], %[[T]]
func.func @used_twice(%x: tensor<128x128xf32>, %w: tensor<128x256xf32>) -> (tensor<128x256xf32>, tensor<128x256xf32>) {
  %m = grad.matmul %x, %w : tensor<128x128xf32>, tensor<128x256xf32> -> tensor<128x256xf32>
  %t = grad.tanh %m : tensor<128x256xf32>
  return %m, %t : tensor<128x256xf32>, tensor<128x256xf32>
}

// -----

// The BLAS path (skip-blas-matmuls) keeps the matmul whole for grad_gemm_f32: nothing is fused.
// RUN: grad-opt %s --grad-fuse --grad-lower-to-linalg --canonicalize --linalg-fuse-elementwise-ops --canonicalize --cse --grad-tile-and-vectorize=skip-blas-matmuls --split-input-file | FileCheck %s --check-prefix=BLAS
// BLAS-LABEL: func.func @blas_epilogue
// BLAS:         linalg.matmul
// BLAS:         scf.for
// BLAS:           math.exp
func.func @blas_epilogue(%x: tensor<128x128xf32>, %w: tensor<128x256xf32>) -> tensor<128x256xf32> {
  %m = grad.matmul %x, %w : tensor<128x128xf32>, tensor<128x256xf32> -> tensor<128x256xf32>
  %e = grad.exp %m : tensor<128x256xf32>
  return %e : tensor<128x256xf32>
}
