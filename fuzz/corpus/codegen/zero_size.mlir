func.func @empty(%a: tensor<0x4xf32>, %b: tensor<4x3xf32>) -> tensor<0x3xf32> {
  %m = grad.matmul %a, %b : tensor<0x4xf32>, tensor<4x3xf32> -> tensor<0x3xf32>
  %c = grad.constant dense<1.0> : tensor<0x3xf32>
  %r = grad.add %m, %c : tensor<0x3xf32>
  return %r : tensor<0x3xf32>
}
