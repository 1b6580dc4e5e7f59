// Every verifier rule of the grad dialect, one case each, with the diagnostic it gives. Ops with
// inferred result types (InferTypeOpInterface) add MLIR's generic "failed to infer returned
// types" after the specific message.
// RUN: grad-opt %s -split-input-file -verify-diagnostics

func.func @binary_shape_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'grad.add' op operand #1 has type 'tensor<3xf32>' but operand #0 has type 'tensor<2x3xf32>' (operands need one shape and element type; broadcast explicitly with grad.broadcast, convert with grad.convert)}}
  %0 = "grad.add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @binary_dtype_mismatch(%a: tensor<4xf32>, %b: tensor<4xf64>) {
  // expected-error @+1 {{'grad.mul' op operand #1 has type 'tensor<4xf64>' but operand #0 has type 'tensor<4xf32>'}}
  %0 = "grad.mul"(%a, %b) : (tensor<4xf32>, tensor<4xf64>) -> tensor<4xf32>
  return
}

// -----

func.func @binary_result_mismatch(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.sub' op requires the same type for all operands and results}}
  %0 = "grad.sub"(%a, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @unary_on_integer(%a: tensor<2xi64>) {
  // expected-error @+1 {{'grad.exp' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float values, but got 'tensor<2xi64>'}}
  %0 = grad.exp %a : tensor<2xi64>
  return
}

// -----

func.func @erf_on_integer(%a: tensor<2xi64>) {
  // expected-error @+1 {{'grad.erf' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float values, but got 'tensor<2xi64>'}}
  %0 = grad.erf %a : tensor<2xi64>
  return
}

// -----

func.func @div_on_integer(%a: tensor<2xi64>) {
  // expected-error @+1 {{'grad.div' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float values, but got 'tensor<2xi64>'}}
  %0 = grad.div %a, %a : tensor<2xi64>
  return
}

// -----

func.func @add_on_bool(%a: tensor<2xi1>) {
  // expected-error @+1 {{'grad.add' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float or 64-bit signless integer values, but got 'tensor<2xi1>'}}
  %0 = grad.add %a, %a : tensor<2xi1>
  return
}

// -----

func.func @unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{'grad.neg' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float or 64-bit signless integer values, but got 'tensor<*xf32>'}}
  %0 = "grad.neg"(%a) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @constant_type_mismatch() {
  // expected-error @+1 {{'grad.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "grad.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return
}

// -----

func.func @constant_unsupported_type() {
  // expected-error @+1 {{'grad.constant' op result #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float or 64-bit signless integer or 1-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = grad.constant dense<1> : tensor<2xi32>
  return
}

// -----

func.func @cmp_bad_predicate(%a: tensor<2xf32>) {
  // expected-error @below {{'grad.cmp' op predicate "ne" is not one of "lt", "le", "gt", "ge", "eq"}}
  // expected-error @below {{failed to infer returned types}}
  %0 = "grad.cmp"(%a, %a) {predicate = "ne"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return
}

// -----

func.func @cmp_result_not_i1(%a: tensor<2xf32>) {
  // expected-error @+1 {{'grad.cmp' op result #0 must be ranked tensor (static element count and byte size below 2^63) of 1-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = "grad.cmp"(%a, %a) {predicate = "lt"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @cmp_result_shape(%a: tensor<2xf32>) {
  // expected-error @below {{'grad.cmp' op inferred type(s) 'tensor<2xi1>' are incompatible with return type(s) of operation 'tensor<3xi1>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = "grad.cmp"(%a, %a) {predicate = "lt"} : (tensor<2xf32>, tensor<2xf32>) -> tensor<3xi1>
  return
}

// -----

func.func @select_condition_not_i1(%c: tensor<2xf32>, %a: tensor<2xf32>) {
  // expected-error @+1 {{'grad.select' op condition must be an i1 tensor, got 'tensor<2xf32>'}}
  %0 = grad.select %c, %a, %a : tensor<2xf32>, tensor<2xf32>
  return
}

// -----

func.func @select_condition_shape(%c: tensor<3xi1>, %a: tensor<2xf32>) {
  // expected-error @+1 {{'grad.select' op condition shape [3] differs from the branch shape [2] (condition 'tensor<3xi1>', branches 'tensor<2xf32>')}}
  %0 = grad.select %c, %a, %a : tensor<3xi1>, tensor<2xf32>
  return
}

// -----

func.func @select_branch_types(%c: tensor<2xi1>, %a: tensor<2xf32>, %b: tensor<2xf64>) {
  // expected-error @+1 {{'grad.select' op failed to verify that all of {on_true, on_false, result} have same type}}
  %0 = "grad.select"(%c, %a, %b) : (tensor<2xi1>, tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>
  return
}

// -----

func.func @broadcast_dims_size(%a: tensor<3xf32>) {
  // expected-error @+1 {{'grad.broadcast' op dims [0,1] has 2 entries but the operand shape [3] has rank 1}}
  %0 = grad.broadcast %a {dims = array<i64: 0, 1>} : tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @broadcast_dim_out_of_range(%a: tensor<3xf32>) {
  // expected-error @+1 {{'grad.broadcast' op dims[0] = 2 is out of range for the result shape [2,3] of rank 2}}
  %0 = grad.broadcast %a {dims = array<i64: 2>} : tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @broadcast_dims_not_increasing(%a: tensor<3x3xf32>) {
  // expected-error @+1 {{'grad.broadcast' op dims [1,0] must be strictly increasing}}
  %0 = grad.broadcast %a {dims = array<i64: 1, 0>} : tensor<3x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @broadcast_not_expandable(%a: tensor<2xf32>) {
  // expected-error @+1 {{'grad.broadcast' op cannot broadcast shape [2] to [4,3]: operand dim 0 of size 2 cannot expand into result dim 1 of size 3}}
  %0 = grad.broadcast %a {dims = array<i64: 1>} : tensor<2xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_changes_dtype(%a: tensor<3xf32>) {
  // expected-error @+1 {{'grad.broadcast' op result type 'tensor<2x3xf64>' differs from the expected 'tensor<2x3xf32>'}}
  %0 = grad.broadcast %a {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf64>
  return
}

// -----

func.func @reshape_numel(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'grad.reshape' op cannot reshape [2,3] (6 elements) to [4,2] (8 elements)}}
  %0 = grad.reshape %a : tensor<2x3xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @reshape_dtype(%a: tensor<6xf32>) {
  // expected-error @+1 {{'grad.reshape' op changes the element type: operand 'tensor<6xf32>', result 'tensor<2x3xi64>' (use grad.convert)}}
  %0 = grad.reshape %a : tensor<6xf32> -> tensor<2x3xi64>
  return
}

// -----

func.func @transpose_not_permutation(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.transpose' op perm [0,0] is not a permutation of [0, 2) for the operand shape [2,3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @transpose_perm_length(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.transpose' op perm [1,0,2] is not a permutation of [0, 2) for the operand shape [2,3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.transpose %a {perm = array<i64: 1, 0, 2>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @transpose_result(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.sum' op axis 2 in axes [2] is out of range for the operand shape [2,3] of rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.sum %a {axes = array<i64: 2>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_negative_axis(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.max' op axis -1 in axes [-1] is out of range for the operand shape [2,3] of rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.max %a {axes = array<i64: -1>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_duplicate_axis(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.mean' op axis 1 appears twice in axes [1,1]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.mean %a {axes = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_empty_axes(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.sum' op axes must name the reduced dims of the operand shape [2,3] (an empty list would reduce nothing, while the eager API reads it as all dims)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.sum %a {axes = array<i64>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_result_shape(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.sum' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.sum %a {axes = array<i64: 1>, keepdim = true} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @mean_on_integer(%a: tensor<4xi64>) {
  // expected-error @+1 {{'grad.mean' op operand #0 must be ranked tensor (static element count and byte size below 2^63) of 32-bit float or 64-bit float values, but got 'tensor<4xi64>'}}
  %0 = grad.mean %a {axes = array<i64: 0>} : tensor<4xi64> -> tensor<i64>
  return
}

// -----

func.func @matmul_inner_dims(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @below {{'grad.matmul' op inner dims differ: lhs shape [2,3] has k = 3, rhs shape [4,5] has k = 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_batch_dims(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @below {{'grad.matmul' op batch dims differ: lhs shape [2,2,3], rhs shape [3,3,5]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.matmul %a, %b : tensor<2x2x3xf32>, tensor<3x3x5xf32> -> tensor<2x2x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @below {{'grad.matmul' op needs operands of equal rank >= 2, got lhs shape [3] and rhs shape [3,5]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.matmul %a, %b : tensor<3xf32>, tensor<3x5xf32> -> tensor<5xf32>
  return
}

// -----

func.func @matmul_dtypes(%a: tensor<2x3xf32>, %b: tensor<3x5xf64>) {
  // expected-error @below {{'grad.matmul' op element types differ: lhs 'tensor<2x3xf32>', rhs 'tensor<3x5xf64>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf64> -> tensor<2x5xf32>
  return
}

// -----

func.func @slice_out_of_bounds(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.slice' op dim 1: [1, 4) is out of bounds for size 3 of the operand shape [2,3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 0, 1>, limits = array<i64: 2, 4>, strides = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_stride(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.slice' op stride 0 of dim 0 must be positive}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 0, 0>, limits = array<i64: 2, 3>, strides = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_rank(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.slice' op starts [0], limits [2] and strides [1] must each have one entry per dim of the operand shape [2,3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.slice %a {starts = array<i64: 0>, limits = array<i64: 2>, strides = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @below {{'grad.concat' op input #1 of shape [2,4] does not match input #0 of shape [2,3] outside axis 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.concat %a, %b {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_element_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf64>) {
  // expected-error @below {{'grad.concat' op input #1 of type 'tensor<2x3xf64>' has another element type than input #0 of type 'tensor<2x3xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.concat %a, %b {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3xf64> -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @below {{'grad.concat' op axis 2 is out of range for inputs of rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.concat %a, %a {axis = 2 : i64} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_indices_dtype(%t: tensor<10x4xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'grad.gather' op operand #1 must be ranked tensor (static element count and byte size below 2^63) of 64-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = grad.gather %t, %i : tensor<10x4xf32>, tensor<3xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @gather_scalar_table(%t: tensor<f32>, %i: tensor<3xi64>) {
  // expected-error @below {{'grad.gather' op table must have rank >= 1, got shape []}}
  // expected-error @below {{failed to infer returned types}}
  %0 = grad.gather %t, %i : tensor<f32>, tensor<3xi64> -> tensor<3xf32>
  return
}

// -----

func.func @convert_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'grad.convert' op changes the shape: operand 'tensor<2x3xf32>', result 'tensor<6xi64>' (grad.convert only changes the element type)}}
  %0 = grad.convert %a : tensor<2x3xf32> -> tensor<6xi64>
  return
}

// -----

func.func @fusion_argument_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.fusion' op body argument #0 has type 'tensor<4xf64>' but input #0 has type 'tensor<4xf32>'}}
  %0 = grad.fusion (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf64>):
    %y = grad.convert %x : tensor<4xf64> -> tensor<4xf32>
    grad.yield %y : tensor<4xf32>
  }
  return
}

// -----

func.func @fusion_argument_count(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.fusion' op body has 0 arguments but the op has 1 inputs}}
  %0 = grad.fusion (%a) : (tensor<4xf32>) -> tensor<4xf32> {
    %c = grad.constant dense<1.0> : tensor<4xf32>
    grad.yield %c : tensor<4xf32>
  }
  return
}

// -----

func.func @fusion_yield_count(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.fusion' op body yields 1 values but the op has 2 results}}
  %0:2 = grad.fusion (%a) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    grad.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @fusion_yield_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.fusion' op yielded value #0 has type 'tensor<4xf32>' but result #0 has type 'tensor<4xf64>'}}
  %0 = grad.fusion (%a) : (tensor<4xf32>) -> tensor<4xf64> {
  ^bb0(%x: tensor<4xf32>):
    grad.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @fusion_captures_from_above(%a: tensor<4xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = grad.fusion () : () -> tensor<4xf32> {
    // expected-error @+1 {{'grad.neg' op using value defined outside the region}}
    %y = grad.neg %a : tensor<4xf32>
    grad.yield %y : tensor<4xf32>
  }
  return
}

// -----

func.func @fusion_no_yield(%a: tensor<4xf32>) {
  %0 = "grad.fusion"(%a) ({
  ^bb0(%x: tensor<4xf32>):
    // expected-error @+1 {{block with no terminator}}
    %y = grad.neg %x : tensor<4xf32>
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @yield_outside_fusion(%a: tensor<4xf32>) {
  // expected-error @+1 {{'grad.yield' op expects parent op 'grad.fusion'}}
  grad.yield %a : tensor<4xf32>
}
