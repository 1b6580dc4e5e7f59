// RUN: grad-opt %s --grad-lower-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @constant
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant() -> tensor<2xf32> {
  %0 = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Size-1 operand dims read index 0; new dims are not read.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @broadcast
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%{{.+}} : tensor<1x3xf32>) outs(%{{.+}} : tensor<4x5x3xf32>)
func.func @broadcast(%x: tensor<1x3xf32>) -> tensor<4x5x3xf32> {
  %0 = grad.broadcast %x {dims = array<i64: 1, 2>} : tensor<1x3xf32> -> tensor<4x5x3xf32>
  return %0 : tensor<4x5x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1]] : tensor<2x6xf32> into tensor<12xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1, 2]] output_shape [3, 2, 2] : tensor<12xf32> into tensor<3x2x2xf32>
func.func @reshape(%x: tensor<2x6xf32>) -> tensor<3x2x2xf32> {
  %0 = grad.reshape %x : tensor<2x6xf32> -> tensor<3x2x2xf32>
  return %0 : tensor<3x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: linalg.transpose ins(%{{.+}} : tensor<2x3x4xf32>) outs(%{{.+}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = grad.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.+}}[1, 0] [2, 3] [2, 1] : tensor<6x3xf32> to tensor<2x3xf32>
func.func @slice(%x: tensor<6x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.slice %x {starts = array<i64: 1, 0>, limits = array<i64: 5, 3>, strides = array<i64: 2, 1>} : tensor<6x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x5xf32>
// CHECK: %[[A:.+]] = tensor.insert_slice %{{.+}} into %[[E]][0, 0] [2, 2] [1, 1]
// CHECK: tensor.insert_slice %{{.+}} into %[[A]][0, 2] [2, 3] [1, 1]
func.func @concat(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %0 = grad.concat %a, %b {axis = 1 : i64} : tensor<2x2xf32>, tensor<2x3xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.+}} : tensor<3xi64>) outs(%{{.+}} : tensor<3x4xf32>)
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.index_cast
// CHECK: linalg.index 1
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<10x4xf32>
// CHECK: arith.select
func.func @gather(%w: tensor<10x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  %0 = grad.gather %w, %i : tensor<10x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A reduction over the innermost axis and others runs in two steps: the innermost axis first
// (a row reduction that vectorizes), then the other axes of the [2, 3] partial sums.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROWS:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEEP:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @sum_keepdim
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.+}} : tensor<2x3xf32>)
// CHECK: %[[P:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[R]] : tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK: %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[KEEP]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME: ins(%[[P]] : tensor<2x3xf32>) outs(%[[F]] : tensor<3xf32>)
// CHECK: arith.addf
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1, 2]] output_shape [1, 3, 1]
func.func @sum_keepdim(%x: tensor<2x3x4xf32>) -> tensor<1x3x1xf32> {
  %0 = grad.sum %x {axes = array<i64: 0, 2>, keepdim = true} : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// -----

// mean = sum * (1 / count), as the eager kernel.
// CHECK-LABEL: func.func @mean
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.constant 2.500000e-01 : f64
// CHECK: arith.mulf
func.func @mean(%x: tensor<3x4xf64>) -> tensor<3xf64> {
  %0 = grad.mean %x {axes = array<i64: 1>} : tensor<3x4xf64> -> tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

// max starts at -inf and propagates NaN.
// CHECK-LABEL: func.func @max
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
func.func @max(%x: tensor<3x4xf32>) -> tensor<f32> {
  %0 = grad.max %x {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK: %[[F:.+]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Batch dims are collapsed into one for linalg.batch_matmul and expanded back.
// CHECK-LABEL: func.func @batched
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] : tensor<2x5x3x4xf64> into tensor<10x3x4xf64>
// CHECK: linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<10x3x4xf64>, tensor<10x4x6xf64>) outs(%{{.+}} : tensor<10x3x6xf64>)
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 5, 3, 6]
func.func @batched(%a: tensor<2x5x3x4xf64>, %b: tensor<2x5x4x6xf64>) -> tensor<2x5x3x6xf64> {
  %0 = grad.matmul %a, %b : tensor<2x5x3x4xf64>, tensor<2x5x4x6xf64> -> tensor<2x5x3x6xf64>
  return %0 : tensor<2x5x3x6xf64>
}

// -----

// A fusion region is inlined; its ops lower like any other.
// CHECK-LABEL: func.func @fusion
// CHECK-NOT: grad.
// CHECK: arith.addf
// CHECK: arith.cmpf ugt
func.func @fusion(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = grad.add %x, %y : tensor<4xf32>
    %t = grad.relu %s : tensor<4xf32>
    grad.yield %t : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
