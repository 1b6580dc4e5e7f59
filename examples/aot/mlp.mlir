// A 2-layer MLP (3 -> 5 -> 2 with relu) on a batch of 4, and its mean squared error. The build
// compiles this file ahead of time with gradc (--emit=obj and --emit=header,
// --grad=mlp_loss adds @mlp_loss_grad) and links the object into main.c with libgradrt only.

// Logits and the mask logits > -1 (an i1 output: bytes at the C boundary).
func.func @mlp(%x: tensor<4x3xf32>, %w1: tensor<3x5xf32>, %b1: tensor<5xf32>,
               %w2: tensor<5x2xf32>, %b2: tensor<2xf32>) -> (tensor<4x2xf32>, tensor<4x2xi1>) {
  %0 = grad.matmul %x, %w1 : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %1 = grad.broadcast %b1 {dims = array<i64: 1>} : tensor<5xf32> -> tensor<4x5xf32>
  %2 = grad.add %0, %1 : tensor<4x5xf32>
  %3 = grad.relu %2 : tensor<4x5xf32>
  %4 = grad.matmul %3, %w2 : tensor<4x5xf32>, tensor<5x2xf32> -> tensor<4x2xf32>
  %5 = grad.broadcast %b2 {dims = array<i64: 1>} : tensor<2xf32> -> tensor<4x2xf32>
  %6 = grad.add %4, %5 : tensor<4x2xf32>
  %minus_one = grad.constant dense<-1.0> : tensor<4x2xf32>
  %7 = grad.cmp "gt", %6, %minus_one : tensor<4x2xf32>
  return %6, %7 : tensor<4x2xf32>, tensor<4x2xi1>
}

// mean((mlp(x) - target)^2) over all elements: a rank-0 result.
func.func @mlp_loss(%x: tensor<4x3xf32>, %w1: tensor<3x5xf32>, %b1: tensor<5xf32>,
                    %w2: tensor<5x2xf32>, %b2: tensor<2xf32>, %t: tensor<4x2xf32>)
    -> tensor<f32> {
  %0 = grad.matmul %x, %w1 : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %1 = grad.broadcast %b1 {dims = array<i64: 1>} : tensor<5xf32> -> tensor<4x5xf32>
  %2 = grad.add %0, %1 : tensor<4x5xf32>
  %3 = grad.relu %2 : tensor<4x5xf32>
  %4 = grad.matmul %3, %w2 : tensor<4x5xf32>, tensor<5x2xf32> -> tensor<4x2xf32>
  %5 = grad.broadcast %b2 {dims = array<i64: 1>} : tensor<2xf32> -> tensor<4x2xf32>
  %6 = grad.add %4, %5 : tensor<4x2xf32>
  %7 = grad.sub %6, %t : tensor<4x2xf32>
  %8 = grad.mul %7, %7 : tensor<4x2xf32>
  %9 = grad.mean %8 {axes = array<i64: 0, 1>} : tensor<4x2xf32> -> tensor<f32>
  return %9 : tensor<f32>
}
