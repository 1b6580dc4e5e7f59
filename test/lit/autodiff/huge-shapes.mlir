// Autodiff of functions with huge shapes: a type whose size overflows int64 is a diagnostic
// (it used to corrupt the heap); a huge but valid untouched input gets a splat zero gradient,
// never an eager tensor of its size (2^29 elements used to take 12 s and 2 GB).
// RUN: grad-opt %s -split-input-file -verify-diagnostics --grad-autodiff

func.func @overflow(%x: tensor<9223372036854775807xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 0>} {
  // expected-error @+1 {{'grad.sum' op operand #0 must be ranked tensor (static element count and byte size below 2^63)}}
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<9223372036854775807xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error @+1 {{grad-autodiff: broadcast: cannot broadcast shape [] to [9223372036854775807,2]: more than 2^63 elements}}
func.func @unused_overflow(%x: tensor<2xf32>, %big: tensor<9223372036854775807x2xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 0, 1>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
