func.func @loss(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %m = grad.matmul %x, %w : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  %e = grad.exp %m : tensor<2x4xf32>
  %s = grad.sum %e {axes = array<i64: 0, 1>} : tensor<2x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}
