// --grad-emit-c-interface: public functions get llvm.emit_c_interface (their _mlir_ciface_
// wrappers are the entry points of the JIT and of AOT objects); private ones do not.
// RUN: grad-opt %s --grad-emit-c-interface | FileCheck %s
// CHECK-LABEL: func.func @pub(
// CHECK-SAME:    attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func private @priv(
// CHECK-NOT:     llvm.emit_c_interface
func.func @pub(%a: memref<4xf32>) { return }
func.func private @priv(%a: memref<4xf32>) { return }
