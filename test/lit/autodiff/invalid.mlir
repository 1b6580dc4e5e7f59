// Bad --grad-autodiff requests give diagnostics, never a crash.
// RUN: grad-opt %s -split-input-file -verify-diagnostics --grad-autodiff

// expected-error@+1 {{grad-autodiff: argnum 1 is out of range: @f has 1 argument}}
func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 1>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error@+1 {{grad-autodiff: argnum -1 is out of range: @f has 2 arguments}}
func.func @f(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: -1>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error@+1 {{grad-autodiff: argnum 0 is listed twice}}
func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 0, 0>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// The differentiated output must be one floating-point element.
// expected-error@+1 {{grad-autodiff: the differentiated output must be a floating-point tensor with one element, got 'tensor<3xf32>'}}
func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> attributes {grad.autodiff} {
  %e = grad.exp %x : tensor<3xf32>
  return %e : tensor<3xf32>
}

// -----

// expected-error@+1 {{grad-autodiff: the differentiated output must be a floating-point tensor with one element, got 'tensor<i64>'}}
func.func @f(%x: tensor<3xf32>, %i: tensor<3xi64>) -> tensor<i64> attributes {grad.autodiff = array<i64: 0>} {
  %s = grad.sum %i {axes = array<i64: 0>} : tensor<3xi64> -> tensor<i64>
  return %s : tensor<i64>
}

// -----

// expected-error@+1 {{grad-autodiff: argument #1 has type 'tensor<3xi64>': only floating-point arguments have gradients}}
func.func @f(%x: tensor<3xf32>, %i: tensor<3xi64>) -> tensor<f32> attributes {grad.autodiff = array<i64: 1>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error@+1 {{grad-autodiff: the function has no result to differentiate}}
func.func @f(%x: tensor<3xf32>) attributes {grad.autodiff} {
  return
}

// -----

// expected-error@+1 {{'grad.autodiff' must be a unit attribute or an array<i64: argnums>}}
func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> attributes {grad.autodiff = "all"} {
  return %x : tensor<3xf32>
}

// -----

// expected-error@+1 {{grad-autodiff: cannot create @f_grad: a symbol with that name already exists}}
func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @f_grad() {
  return
}

// -----

func.func private @g(%x: tensor<3xf32>) -> tensor<3xf32>

func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  // expected-error@+1 {{'func.call' op is not differentiated by grad-autodiff: run --inline first}}
  %y = func.call @g(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %s = grad.sum %y {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// An op outside the op table (here an arith op on tensors) has no VJP rule.
func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  // expected-error@+1 {{'arith.addf' op has no VJP rule: grad-autodiff differentiates the op table's primitives}}
  %y = arith.addf %x, %x : tensor<3xf32>
  %s = grad.sum %y {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// Fused regions are not differentiated: autodiff runs before --grad-fuse.
func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  // expected-error@+1 {{'grad.fusion' op has no VJP rule: grad-autodiff differentiates the op table's primitives}}
  %y = grad.fusion(%x) : (tensor<3xf32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<3xf32>):
    %e = grad.exp %a : tensor<3xf32>
    grad.yield %e : tensor<3xf32>
  }
  %s = grad.sum %y {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
