// Umbrella header: the whole public eager API (and the compiler's front end when installed).
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
// grad::trace / grad::jit live in the compiler (grad::compiler); an eager-only install has no
// jit.h.
#if __has_include("grad/jit.h")
#include "grad/jit.h"
#endif
