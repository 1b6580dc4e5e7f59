# Third-party dependencies, all from Debian packages (see scripts/install-deps.sh).
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
# JSON headers of safetensors checkpoints (header-only, a private dependency of grad_eager).
find_package(nlohmann_json 3 REQUIRED)

# OpenBLAS: CBLAS interface for eager matmul.
find_path(CBLAS_INCLUDE_DIR cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread
          /usr/include/openblas /usr/include)
find_library(OPENBLAS_LIBRARY NAMES openblas PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread)
if(NOT CBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS not found: install libopenblas-dev (scripts/install-deps.sh)")
endif()
add_library(grad_openblas INTERFACE)
target_include_directories(grad_openblas SYSTEM INTERFACE ${CBLAS_INCLUDE_DIR})
target_link_libraries(grad_openblas INTERFACE ${OPENBLAS_LIBRARY})

# MPI (Open MPI from Debian) for grad::dist and libgradrt_mpi; without it those are not built.
option(GRAD_ENABLE_MPI "Build grad::dist (data-parallel training on MPI) when MPI is found" ON)
set(GRAD_HAVE_MPI OFF)
if(GRAD_ENABLE_MPI)
  find_package(MPI COMPONENTS C)
  if(MPI_C_FOUND AND MPIEXEC_EXECUTABLE)
    set(GRAD_HAVE_MPI ON)
    # How tests launch ranks: as root in a CI container, without ssh (plm=isolated: this host
    # only), without the ptrace-based single-copy mechanism containers forbid, shared memory and
    # TCP only (no UCX/InfiniBand probing), more ranks than cores, no core binding.
    set(GRAD_MPIRUN ${MPIEXEC_EXECUTABLE} --oversubscribe --allow-run-as-root)
    set(GRAD_MPI_TEST_ENV
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated
        OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
        OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
        GRAD_DIST_TIMEOUT=30)
  else()
    message(STATUS "MPI not found: grad::dist is not built (install libopenmpi-dev openmpi-bin)")
  endif()
endif()

# OpenMP through LLVM's libomp (libomp-19-dev): the one thread pool of eager kernels and compiled
# code (MLIR's convert-scf-to-openmp emits calls into it). See docs/threads.md.
find_package(OpenMP REQUIRED COMPONENTS C CXX)
find_library(GRAD_LIBOMP NAMES omp libomp.so.5 PATHS /usr/lib/llvm-19/lib NO_DEFAULT_PATH)
if(NOT GRAD_LIBOMP)
  message(FATAL_ERROR "libomp not found: install libomp-19-dev (scripts/install-deps.sh)")
endif()
get_filename_component(GRAD_LIBOMP_DIR ${GRAD_LIBOMP} DIRECTORY)

# SLEEF: vectorized exp/log/tanh/sin/cos of the eager kernels.
find_path(SLEEF_INCLUDE_DIR sleef.h)
find_library(SLEEF_LIBRARY NAMES sleef)
if(NOT SLEEF_INCLUDE_DIR OR NOT SLEEF_LIBRARY)
  message(FATAL_ERROR "SLEEF not found: install libsleef-dev (scripts/install-deps.sh)")
endif()
add_library(grad_sleef INTERFACE)
target_include_directories(grad_sleef SYSTEM INTERFACE ${SLEEF_INCLUDE_DIR})
target_link_libraries(grad_sleef INTERFACE ${SLEEF_LIBRARY})

if(GRAD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(GRAD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

if(GRAD_BUILD_COMPILER)
  if(NOT MLIR_DIR AND EXISTS /usr/lib/llvm-19/lib/cmake/mlir)
    set(MLIR_DIR /usr/lib/llvm-19/lib/cmake/mlir)
  endif()
  # LLVM's config looks for the optional libraries its own tools were built with (LibEdit, zstd,
  # CURL) and prints "Could NOT find ..." for each one missing. grad links the shared libMLIR.so
  # and libLLVM.so, which carry those dependencies themselves: skip the searches (same outcome as
  # not finding them, without the lines that read like a failure).
  # (gradConfig.cmake.in does the same for consumers.)
  foreach(_pkg LibEdit zstd CURL)
    set(CMAKE_DISABLE_FIND_PACKAGE_${_pkg} TRUE)
  endforeach()
  find_package(MLIR REQUIRED CONFIG)
  foreach(_pkg LibEdit zstd CURL)
    unset(CMAKE_DISABLE_FIND_PACKAGE_${_pkg})
  endforeach()
  message(STATUS "Using MLIR in ${MLIR_DIR} (LLVM ${LLVM_PACKAGE_VERSION})")
  list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
  include(TableGen)
  include(AddLLVM)
  include(AddMLIR)
  # LLVM/MLIR headers are third-party: include them as SYSTEM so their warnings stay quiet.
  add_library(grad_mlir INTERFACE)
  target_include_directories(grad_mlir SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
  separate_arguments(GRAD_LLVM_DEFS NATIVE_COMMAND ${LLVM_DEFINITIONS})
  target_compile_options(grad_mlir INTERFACE ${GRAD_LLVM_DEFS})
  # One shared libMLIR.so (it brings libLLVM.so): never mix with the static libMLIR*.a.
  target_link_libraries(grad_mlir INTERFACE MLIR)
  set(GRAD_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})
  find_program(GRAD_LIT lit.py PATHS ${LLVM_BUILD_MAIN_SRC_DIR}/utils/lit /usr/lib/llvm-19/build/utils/lit
               NO_DEFAULT_PATH)
endif()

if(EXISTS /usr/bin/python3 AND NOT Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)
