// Umbrella header: the whole public eager API (and the compiler's front end when installed).
#pragma once

#include "grad/autograd.h"
#include "grad/dtype.h"
#include "grad/error.h"
#include "grad/function.h"
#include "grad/op_table.h"
#include "grad/ops.h"
#include "grad/symbolic.h"
#include "grad/tensor.h"
#include "grad/transforms.h"

#if __has_include("grad/nn.h")
#include "grad/nn.h"
#endif
#if __has_include("grad/optim.h")
#include "grad/optim.h"
#endif
#if __has_include("grad/dot.h")
#include "grad/dot.h"
#endif
#if __has_include("grad/npy.h")
#include "grad/npy.h"
#endif
#if __has_include("grad/jit.h")
#include "grad/jit.h"
#endif
