// cmp predicates (with one tie in the inputs) and select; bool outputs are written as '|b1'.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py select_cmp %t
// RUN: grad-run %s --fn=select_cmp --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=select_cmp --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: output 1: bool[5] ok
// CHECK: all 4 outputs match

func.func @select_cmp(%x: tensor<5xf32>, %y: tensor<5xf32>)
    -> (tensor<5xf32>, tensor<5xi1>, tensor<5xi1>, tensor<5xi1>) {
  %gt = grad.cmp "gt", %x, %y : tensor<5xf32>
  %yy = grad.mul %y, %y : tensor<5xf32>
  %r = grad.select %gt, %x, %yy : tensor<5xi1>, tensor<5xf32>
  %le = grad.cmp "le", %x, %y : tensor<5xf32>
  %eq = grad.cmp "eq", %x, %y : tensor<5xf32>
  return %r, %gt, %le, %eq : tensor<5xf32>, tensor<5xi1>, tensor<5xi1>, tensor<5xi1>
}
