// y = gelu(layer_norm(x)) + x, the block of bench/compiled/elementwise_bench.cpp on 256x1024 f32.
func.func @block(%x: tensor<256x1024xf32>) -> tensor<256x1024xf32> {
  %mu = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<256x1024xf32> -> tensor<256x1xf32>
  %mub = grad.broadcast %mu {dims = array<i64: 0, 1>} : tensor<256x1xf32> -> tensor<256x1024xf32>
  %c = grad.sub %x, %mub : tensor<256x1024xf32>
  %sq = grad.mul %c, %c : tensor<256x1024xf32>
  %var = grad.mean %sq {axes = array<i64: 1>, keepdim = true} : tensor<256x1024xf32> -> tensor<256x1xf32>
  %eps = grad.constant dense<1.0e-5> : tensor<256x1xf32>
  %ve = grad.add %var, %eps : tensor<256x1xf32>
  %r = grad.rsqrt %ve : tensor<256x1xf32>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<256x1xf32> -> tensor<256x1024xf32>
  %n = grad.mul %c, %rb : tensor<256x1024xf32>
  %g = grad.gelu %n : tensor<256x1024xf32>
  %y = grad.add %g, %x : tensor<256x1024xf32>
  return %y : tensor<256x1024xf32>
}
