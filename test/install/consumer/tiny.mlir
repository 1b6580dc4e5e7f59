// sum(x * w): compiled by the installed gradc in a clean environment.
func.func @loss(%x: tensor<3xf32>, %w: tensor<3xf32>) -> tensor<f32> {
  %0 = grad.mul %x, %w : tensor<3xf32>
  %1 = grad.sum %0 {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
