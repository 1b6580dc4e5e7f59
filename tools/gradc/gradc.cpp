//===- gradc.cpp - the grad ahead-of-time compiler ------------------------===//
//
// gradc FILE.mlir --emit=mlir|llvm|asm|obj|header|dot [-o OUT] ...; see docs/gradc.md.
// The driver lives in compiler/lib/Driver so that it can be tested and embedded.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/Gradc.h"

int main(int argc, char **argv) { return grad::runGradcMain(argc, argv); }
