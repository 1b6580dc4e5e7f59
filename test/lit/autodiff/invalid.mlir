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

// -----

// `?` dims (test/lit/autodiff/dynamic.mlir): a gradient that needs a constant of a `?` size that
// is not a count (the one-hot of a gather over a `?` vocabulary: an iota of V) is a diagnostic at
// the forward op.
func.func @vocab(%table: tensor<?x4xf64>, %idx: tensor<3xi64>) -> tensor<f64> attributes {grad.autodiff} {
  // expected-error@+1 {{grad-autodiff: cannot build the gradient of @vocab for its `?` dims (at the gradient of 'grad.gather'): a constant differs between the traces (dense<[0, 1, 2, 3, 4]> : tensor<5xi64> and dense<[0, 1, 2, 3, 4, 5, 6]> : tensor<7xi64>)}}
  %g = grad.gather %table, %idx : tensor<?x4xf64>, tensor<3xi64> -> tensor<3x4xf64>
  %r = grad.sum %g {axes = array<i64: 0, 1>} : tensor<3x4xf64> -> tensor<f64>
  return %r : tensor<f64>
}

// -----

// expected-error@+1 {{grad-autodiff: the differentiated output must be a floating-point tensor with one element, got 'tensor<?xf64>'}}
func.func @rows(%x: tensor<?x4xf64>) -> tensor<?xf64> attributes {grad.autodiff} {
  %r = grad.sum %x {axes = array<i64: 1>} : tensor<?x4xf64> -> tensor<?xf64>
  return %r : tensor<?xf64>
}

// -----

// A `?` dim that the ops tie to a static size (a matmul's inner dim against a 3x4 weight).
// expected-error@+1 {{grad-autodiff: argument #0 of @pinned has type 'tensor<2x?xf64>' but its ops need dim 1 to be 3 ('grad.matmul' op at}}
func.func @pinned(%x: tensor<2x?xf64>, %w: tensor<3x4xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %a = grad.matmul %x, %w : tensor<2x?xf64>, tensor<3x4xf64> -> tensor<2x4xf64>
  %r = grad.sum %a {axes = array<i64: 0, 1>} : tensor<2x4xf64> -> tensor<f64>
  return %r : tensor<f64>
}

// -----

// A size given as an argument: `?` sizes are read from the tensor arguments.
// expected-error@+1 {{grad-autodiff: argument #1 of @sizes has type 'index'; a function with `?` dims takes tensors only (its sizes are read from them)}}
func.func @sizes(%x: tensor<?xf64>, %n: index) -> tensor<f64> attributes {grad.autodiff} {
  %b = grad.broadcast %x sizes(%n, %n) {dims = array<i64: 1>} : tensor<?xf64> -> tensor<?x?xf64>
  %r = grad.sum %b {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
  return %r : tensor<f64>
}
