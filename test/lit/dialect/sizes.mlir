// Tensor types whose element count or byte size does not fit in int64 are rejected by the
// verifier of every grad op (operands and results), so that no shape product downstream (the
// folder, autodiff, the interpreter, the lowering, the runtime) can overflow.
// RUN: grad-opt %s -split-input-file -verify-diagnostics

func.func @elements(%a: tensor<9223372036854775807x2xf32>) {
  // expected-error @+1 {{'grad.neg' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float or 64-bit signless integer values, but got 'tensor<9223372036854775807x2xf32>'}}
  %0 = grad.neg %a : tensor<9223372036854775807x2xf32>
  return
}

// -----

// 2^61 f32 elements: the element count fits, the byte size (2^63) does not.
func.func @bytes(%a: tensor<2305843009213693952xf32>) {
  // expected-error @+1 {{'grad.exp' op operand #0 must be ranked tensor (static element count and byte size below 2^63)}}
  %0 = grad.exp %a : tensor<2305843009213693952xf32>
  return
}

// -----

func.func @result(%a: tensor<1x1xf32>) {
  // expected-error @+1 {{'grad.broadcast' op result #0 must be ranked tensor (static element count and byte size below 2^63)}}
  %0 = grad.broadcast %a {dims = array<i64: 0, 1>} : tensor<1x1xf32> -> tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @splat_constant() {
  // expected-error @+1 {{'grad.constant' op result #0 must be ranked tensor (static element count and byte size below 2^63)}}
  %0 = grad.constant dense<1.0> : tensor<4294967296x4294967296xf32>
  return
}

// -----

// The largest f32 tensor that is still fine, and an i1 one that is fine at 2^62 elements.
func.func @largest(%a: tensor<2305843009213693951xf32>, %b: tensor<4611686018427387904xi1>) {
  %0 = grad.neg %a : tensor<2305843009213693951xf32>
  %1 = grad.constant dense<true> : tensor<4611686018427387904xi1>
  return
}
