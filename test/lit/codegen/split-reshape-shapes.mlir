// --grad-split-reshape-shapes: each tensor.reshape gets its own tensor.from_elements (LLVM 19's
// bufferization treats the shape operand as an alias of the result, so reshapes sharing one
// shape tensor alias each other and writes to their sources copy), right before it (a shape
// defined before a write to the reshaped buffer conflicts with it too); the last user moves the
// original. A
// shape that is not a tensor.from_elements stay as they are.
// RUN: grad-opt %s --split-input-file --grad-split-reshape-shapes | FileCheck %s

// CHECK-LABEL: func.func @shared
// CHECK: %[[S1:.*]] = tensor.from_elements %arg2, %arg3, %c8 : tensor<3xindex>
// CHECK-NEXT: tensor.reshape %arg0(%[[S1]])
// CHECK-NEXT: arith.addi
// CHECK-NEXT: %[[S0:.*]] = tensor.from_elements %arg2, %arg3, %c8 : tensor<3xindex>
// CHECK-NEXT: tensor.reshape %arg1(%[[S0]])
func.func @shared(%a: tensor<?xf32>, %b: tensor<?xf32>, %n: index, %t: index)
    -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %c8 = arith.constant 8 : index
  %s = tensor.from_elements %n, %t, %c8 : tensor<3xindex>
  %ra = tensor.reshape %a(%s) : (tensor<?xf32>, tensor<3xindex>) -> tensor<?x?x8xf32>
  %between = arith.addi %n, %t : index
  %rb = tensor.reshape %b(%s) : (tensor<?xf32>, tensor<3xindex>) -> tensor<?x?x8xf32>
  return %ra, %rb : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @own_or_argument
// CHECK-COUNT-1: tensor.from_elements
// CHECK: tensor.reshape %arg0(%{{.*}})
// CHECK: tensor.reshape %arg0(%arg1)
// CHECK: tensor.reshape %arg0(%arg1)
func.func @own_or_argument(%a: tensor<?xf32>, %s: tensor<2xindex>, %n: index)
    -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %c4 = arith.constant 4 : index
  %own = tensor.from_elements %n, %c4 : tensor<2xindex>
  %r0 = tensor.reshape %a(%own) : (tensor<?xf32>, tensor<2xindex>) -> tensor<?x4xf32>
  %r1 = tensor.reshape %a(%s) : (tensor<?xf32>, tensor<2xindex>) -> tensor<?x4xf32>
  %r2 = tensor.reshape %a(%s) : (tensor<?xf32>, tensor<2xindex>) -> tensor<?x4xf32>
  return %r0, %r1, %r2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}
