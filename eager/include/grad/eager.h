// grad/eager.h: the umbrella header of the eager library (grad::eager), its whole public API.
// It knows nothing of the compiler. grad/grad.h, the project's umbrella that users include, is
// this header plus the compiler's grad/jit.h; it comes with grad::compiler. A program that links
// grad::eager only (or a build without the compiler) includes grad/eager.h.
#pragma once

#include "grad/autograd.h"
#include "grad/dtype.h"
#include "grad/memory.h"
#include "grad/error.h"
#include "grad/function.h"
#include "grad/op_table.h"
#include "grad/ops.h"
#include "grad/symbolic.h"
#include "grad/tensor.h"
#include "grad/threads.h"
#include "grad/transforms.h"
#include "grad/nn.h"
#include "grad/optim.h"
#include "grad/dot.h"
#include "grad/npy.h"
#include "grad/safetensors.h"
