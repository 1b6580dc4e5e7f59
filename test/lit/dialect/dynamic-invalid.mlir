// The shape rules with dynamic dims (`?`): what they reject, and the diagnostic.
// RUN: grad-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_without_a_size(%b: tensor<4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'grad.broadcast' op result dim 0 is dynamic but no dynamic operand dim gives its size (shape [4] to [?,4]; give it with `sizes(...)`)}}
  %0 = grad.broadcast %b {dims = array<i64: 1>} : tensor<4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @broadcast_static_into_dynamic(%b: tensor<3xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'grad.broadcast' op cannot broadcast shape [3] to [?]: operand dim 0 of size 3 cannot expand into result dim 0 of size ?}}
  %0 = grad.broadcast %b {dims = array<i64: 0>} : tensor<3xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @elementwise_static_and_dynamic(%a: tensor<?x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'grad.add' op operand #1 has type 'tensor<4x3xf32>' but operand #0 has type 'tensor<?x3xf32>'}}
  %0 = "grad.add"(%a, %b) : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @matmul_static_inner_dims_differ(%a: tensor<?x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{'grad.matmul' op inner dims differ: lhs shape [?,3] has k = 3, rhs shape [4,5] has k = 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.matmul %a, %b : tensor<?x3xf32>, tensor<4x5xf32> -> tensor<?x5xf32>
  return
}

// -----

func.func @matmul_result_must_keep_the_dynamic_dim(%a: tensor<?x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'grad.matmul' op inferred type(s) 'tensor<?x5xf32>' are incompatible with return type(s) of operation 'tensor<2x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "grad.matmul"(%a, %b) : (tensor<?x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @reshape_keeps_dynamic_dims_in_place(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{'grad.reshape' op with dynamic dims only inserts or removes dims of size 1 (the other dims stay in order) unless `sizes` give its dynamic result dims: operand shape [?,4], result shape [8]}}
  %0 = grad.reshape %a : tensor<?x4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @slice_dynamic_limit_along_a_static_dim(%a: tensor<?x4xf32>) {
  // expected-error @+2 {{'grad.slice' op dim 1: the limit `?` (the operand's run-time size) needs a dynamic operand dim, but the operand shape [?,4] has size 4 there (write the limit 4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 0, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808>, strides = array<i64: 1, 1>} : tensor<?x4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @slice_start_after_limit_along_a_dynamic_dim(%a: tensor<?xf32>) {
  // expected-error @+2 {{'grad.slice' op dim 0: [3, 2) is out of bounds for size ? of the operand shape [?]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 3>, limits = array<i64: 2>, strides = array<i64: 1>} : tensor<?xf32> -> tensor<0xf32>
  return
}

// -----

func.func @slice_to_the_end_is_dynamic(%a: tensor<?x4xf32>) {
  // expected-error @+2 {{'grad.slice' op inferred type(s) 'tensor<?x2xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 1, 0>, limits = array<i64: -9223372036854775808, 4>, strides = array<i64: 1, 2>} : tensor<?x4xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @sizes_count(%b: tensor<4xf32>, %n: index) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'grad.broadcast' op has 1 sizes but the result shape [?,?,4] has 2 dynamic dims (one size per dynamic dim)}}
  %0 = grad.broadcast %b sizes(%n) {dims = array<i64: 2>} : tensor<4xf32> -> tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}

// -----

func.func @concat_static_dims_differ_outside_the_axis(%a: tensor<?x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{'grad.concat' op input #1 of shape [2,4] does not match input #0 of shape [?,3] outside axis 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.concat %a, %b {axis = 0 : i64} : tensor<?x3xf32>, tensor<2x4xf32> -> tensor<?x3xf32>
  return
}

// -----

func.func @concat_dynamic_axis_is_dynamic(%a: tensor<?x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+2 {{'grad.concat' op inferred type(s) 'tensor<?x3xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = grad.concat %a, %b {axis = 0 : i64} : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @reshape_sizes_one_per_dynamic_dim(%a: tensor<?x?x4xf32>, %n: index) {
  // expected-error @+1 {{'grad.reshape' op has 1 sizes but the result shape [?,?,2] has 2 dynamic dims (one size per dynamic dim)}}
  %0 = grad.reshape %a sizes(%n) : tensor<?x?x4xf32> -> tensor<?x?x2xf32>
  return
}

// -----

func.func @reshape_sizes_static_count(%a: tensor<3x4xf32>, %n: index) {
  // expected-error @+1 {{'grad.reshape' op cannot reshape [3,4] (12 elements) to [?,5] (a multiple of 5 elements)}}
  %0 = grad.reshape %a sizes(%n) : tensor<3x4xf32> -> tensor<?x5xf32>
  return
}
