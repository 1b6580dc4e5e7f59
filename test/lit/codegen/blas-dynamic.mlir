// A matmul whose `?` dims are the outermost of its operands (a batch of rows, and the K of a
// weight gradient X^T G) becomes a grad_gemm_f32 call that reads M, N or K from the buffers at run
// time; a `?` that is not outermost gives a leading dimension read at run time too.
// RUN: grad-opt %s --split-input-file --grad-matmul-to-blas --canonicalize | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm=blas-matmul=1 | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[N64:.*]] = arith.constant 64 : i32
// CHECK-DAG: %[[N128:.*]] = arith.constant 128 : i32
// CHECK: %[[M:.*]] = memref.dim %arg2, %[[C0]] : memref<?x128xf32>
// CHECK: %[[M32:.*]] = arith.index_cast %[[M]] : index to i32
// CHECK: call @grad_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[M32]], %[[N128]], %[[N64]], {{.*}}, %[[N64]], {{.*}}, %[[N128]], {{.*}}, %[[N128]])
// CHECK-NOT: linalg.matmul
// LLVM-LABEL: llvm.func @rows
// LLVM: llvm.call @grad_gemm_f32
func.func @rows(%a: memref<?x64xf32>, %b: memref<64x128xf32>, %c: memref<?x128xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x128xf32>) outs(%c : memref<?x128xf32>)
  return
}

// -----

// dW = X^T G: K is the batch.
// CHECK-LABEL: func.func @weight_gradient
// CHECK: %[[K:.*]] = memref.dim %arg0, %{{.*}} : memref<?x64xf32>
// CHECK: %[[K32:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK: call @grad_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[K32]],
func.func @weight_gradient(%x: memref<?x64xf32>, %g: memref<?x10xf32>, %c: memref<64x10xf32>) {
  linalg.matmul_transpose_a ins(%x, %g : memref<?x64xf32>, memref<?x10xf32>) outs(%c : memref<64x10xf32>)
  return
}

// -----

// A `?` inner dim: the row stride (the leading dimension) is read from the buffer at run time
// (Note [Dynamic gemms]), at least 1.
// CHECK-LABEL: func.func @inner
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK: %[[LD:.*]] = arith.maxsi %[[STRIDES]]#0, %{{.*}} : index
// CHECK: %[[LD32:.*]] = arith.index_cast %[[LD]] : index to i32
// CHECK: call @grad_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[LD32]],
// CHECK-NOT: linalg.matmul
func.func @inner(%a: memref<8x?xf32>, %b: memref<?x4xf32>, %c: memref<8x4xf32>) {
  linalg.matmul ins(%a, %b : memref<8x?xf32>, memref<?x4xf32>) outs(%c : memref<8x4xf32>)
  return
}

// -----

// A `?` batch and `?` matrix dims (attention's scores x values at run-time B and T): a loop of
// gemms bounded by C's batch dim, each operand advanced by its batch stride read at run time.
// CHECK-LABEL: func.func @batch
// CHECK: %[[B:.*]] = memref.dim %arg2, %{{.*}} : memref<?x?x8xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[B]] step
// CHECK: arith.muli %[[I]], %{{.*}} : index
// CHECK: call @grad_gemm_f32
// CHECK-NOT: linalg.batch_matmul
func.func @batch(%a: memref<?x?x?xf32>, %b: memref<?x?x8xf32>, %c: memref<?x?x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x?x?xf32>, memref<?x?x8xf32>) outs(%c : memref<?x?x8xf32>)
  return
}
