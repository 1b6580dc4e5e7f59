// Matmuls large enough for the register-tiled kernel (64x64 tiles): plain, batched, with a
// transposed operand. Ragged in every dimension.
func.func @big(%a: tensor<100x70xf32>, %b: tensor<70x130xf32>, %c: tensor<2x65x33xf32>,
               %d: tensor<2x33x64xf32>, %e: tensor<70x100xf32>)
    -> (tensor<100x130xf32>, tensor<2x65x64xf32>, tensor<100x130xf32>) {
  %0 = grad.matmul %a, %b : tensor<100x70xf32>, tensor<70x130xf32> -> tensor<100x130xf32>
  %1 = grad.matmul %c, %d : tensor<2x65x33xf32>, tensor<2x33x64xf32> -> tensor<2x65x64xf32>
  %t = grad.transpose %e {perm = array<i64: 1, 0>} : tensor<70x100xf32> -> tensor<100x70xf32>
  %2 = grad.matmul %t, %b : tensor<100x70xf32>, tensor<70x130xf32> -> tensor<100x130xf32>
  return %0, %1, %2 : tensor<100x130xf32>, tensor<2x65x64xf32>, tensor<100x130xf32>
}
