// grad.all_reduce lowers to a call into libgradrt_mpi on a private copy of the operand, and
// survives the whole CPU pipeline as a call of the C function (pointer, count, op).
// RUN: grad-opt %s --grad-lower-to-linalg | FileCheck %s
// RUN: grad-opt %s --grad-lower-to-llvm | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func private @gradrt_all_reduce_f32(i64, i64, i32)
// CHECK-LABEL: func.func @step(
// CHECK-SAME:      %[[X:.+]]: tensor<4x3xf32>)
// CHECK:         %[[COPY:.+]] = bufferization.alloc_tensor() copy(%[[X]]) : tensor<4x3xf32>
// CHECK:         %[[BUF:.+]] = bufferization.to_memref %[[COPY]] : memref<4x3xf32>
// CHECK:         %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK:         %[[P64:.+]] = arith.index_cast %[[P]] : index to i64
// CHECK-DAG:     %[[N:.+]] = arith.constant 12 : i64
// CHECK-DAG:     %[[MEAN:.+]] = arith.constant 1 : i32
// CHECK:         call @gradrt_all_reduce_f32(%[[P64]], %[[N]], %[[MEAN]]) : (i64, i64, i32) -> ()
// CHECK:         %[[R:.+]] = bufferization.to_tensor %[[BUF]] restrict writable
// The operand itself is still read afterwards, unchanged (the call reduced the copy).
// CHECK:         linalg.generic {{.*}} ins(%[[R]], %[[X]] :
// CHECK-NOT:     grad.
func.func @step(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %r = grad.all_reduce %x {op = "mean"} : tensor<4x3xf32>
  %d = grad.sub %r, %x : tensor<4x3xf32>
  return %d : tensor<4x3xf32>
}

// LLVM: llvm.func @gradrt_all_reduce_f32(i64, i64, i32)
// LLVM-LABEL: llvm.func @step(
// LLVM: llvm.call @gradrt_all_reduce_f32(%{{.+}}, %{{.+}}, %{{.+}}) : (i64, i64, i32) -> ()
