// The verifier of grad.all_reduce, one case each.
// RUN: grad-opt %s -split-input-file -verify-diagnostics

func.func @unknown_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'grad.all_reduce' op op must be "sum", "mean" or "max", got "min"}}
  %0 = grad.all_reduce %x {op = "min"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @integer_operand(%x: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{'grad.all_reduce' op operand #0 must be}}
  %0 = grad.all_reduce %x {op = "sum"} : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @result_type_differs(%x: tensor<4xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'grad.all_reduce' op requires the same type for all operands and results}}
  %0 = "grad.all_reduce"(%x) {op = "sum"} : (tensor<4xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @missing_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'grad.all_reduce' op requires attribute 'op'}}
  %0 = "grad.all_reduce"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
