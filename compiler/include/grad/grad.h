// grad/grad.h: the project's umbrella header, the one users include (API.md): the whole eager
// API (grad/eager.h, from grad::eager) and the compiler's front end, grad::trace and grad::jit
// (grad/jit.h). It is owned by the compiler side and installed with grad::compiler, so that the
// eager library never reaches up into the compiler; a program built against grad::eager alone
// includes grad/eager.h.
#pragma once

#include "grad/eager.h"
#include "grad/jit.h"
