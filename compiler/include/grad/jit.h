// grad/jit.h: define-then-run. grad::trace turns a function written against the Tensor API into
// a grad-dialect module; grad::jit traces it once per argument signature (shapes + dtypes),
// compiles it and caches the result. The same function runs eagerly when called directly.
//
// This header needs no MLIR headers: the module lives behind an opaque implementation.
#pragma once

#include "grad/nn.h"
#include "grad/tensor.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace grad {

/// What runs a compiled function.
enum class JitBackend {
  Interpreter, ///< the reference interpreter (eager kernels per op): no compile latency
  Native,      ///< the CPU backend's JIT (native code); the default
};

/// Where grad::jit runs a compiled function.
enum class Device {
  CPU,  ///< this process's CPU (the default)
  CUDA, ///< NVIDIA GPU 0 through the CUDA driver (docs/gpu.md); without a usable driver or
        ///< device the first call throws a grad::Error naming the reason
};

/// How grad::jit treats an argument shape it has not compiled for (docs/dynamic-shapes.md).
enum class Dynamic {
  Static, ///< every new signature (shapes and dtypes) is traced and compiled again, as jax.jit
  /// torch.compile's "automatic dynamic" (API.md): the first call compiles static code; when an
  /// argument dim is seen with a second size, the function is compiled once more with that dim
  /// `?` (sizes read at run time), and later sizes reuse that code. When the two traces are not
  /// one function of the size (a size-dependent constant, another graph), the new signature
  /// compiles static and the CompileEvent says why (docs/dynamic-shapes.md). CPU native and
  /// interpreter backends; CUDA compiles per signature.
  Auto,
};

/// Options of grad::trace and grad::jit.
struct JitOptions {
  /// Symbol name of the traced func.func.
  std::string name = "forward";
  /// Run canonicalize + CSE on the traced (and differentiated) IR before running it.
  bool optimize = true;
  /// Backend for grad::jit. The environment variable GRAD_JIT_BACKEND=interpreter|native
  /// overrides it. Native compiles each signature (~0.05-0.3 s); Interpreter starts at once.
  JitBackend backend = JitBackend::Native;
  /// Device for grad::jit. CUDA compiles with the NVPTX backend (`backend` is then ignored).
  Device device = Device::CPU;
  /// Persistent compile cache (native CPU backend): a directory where each compiled signature's
  /// object code is stored, keyed on the optimized IR, the codegen options, the target CPU and
  /// its features and the library build. Another process that jits the same function loads the
  /// object instead of compiling (like JAX's persistent compilation cache). Empty: the
  /// environment variable GRAD_CACHE_DIR, and when that is unset too, no persistent cache.
  std::string cache_dir;
  /// Buffer donation (JAX's donate_argnums): indices of arguments whose buffers the compiled
  /// function may reuse for its outputs -- a training step's parameters and optimizer state,
  /// so that the updated ones need no second copy in memory. Each donated argument, in
  /// increasing index order, is paired with the first output not yet paired that has its shape
  /// and dtype (none: grad::Error when the function is traced). After a call the donated
  /// argument holds that output's value (updated in place, its version counter bumped, like an
  /// eager in-place op or an optimizer's step()) and the output returned *is* that tensor. An
  /// argument that shares its storage with another argument cannot be donated (grad::Error).
  /// The native CPU backend writes in place when no later read of the old value forbids it;
  /// otherwise, and on the interpreter and CUDA, the output is copied into the argument.
  /// See docs/user-guide.md "Compiled training step".
  std::vector<int> donate;
  /// What a new argument shape costs (docs/dynamic-shapes.md). Auto (the default) compiles
  /// static code for the first signature, as Static does.
  Dynamic dynamic = Dynamic::Auto;
  /// Explicit dynamic dims, (argument, dim) pairs: compiled as `?` from the first call on (the
  /// function is traced at the call's sizes and at those dims' sizes + 1, a marked dim whose
  /// size is the product of two or three other marked sizes, such as labels `[B*T]`, at the
  /// product of theirs; the two traces generalized as Dynamic::Auto does), under either policy.
  /// E.g. the batch dim of the inputs and labels of a training step:
  /// {.dynamic_dims = {{2, 0}, {3, 0}}}.
  std::vector<std::pair<int, int>> dynamic_dims;
  /// Most signatures one jitted function keeps compiled (like torch.compile's recompile_limit,
  /// 8 by default). A new signature beyond it evicts the least recently used one, and a warning
  /// naming the function and the limit is printed once on stderr: a loop whose shapes never
  /// repeat would otherwise compile without end. 0: no limit.
  size_t cache_limit = 8;
};

/// Where the time of one grad::jit compile (one new signature) went, in wall-clock seconds.
struct CompileStats {
  double trace = 0;        ///< running the function on symbolic tensors, incl. value_and_grad's
                           ///< reverse sweep (autodiff) on the traced IR
  double graph_passes = 0; ///< canonicalize, CSE and --grad-fuse on the grad dialect
  double lowering = 0;     ///< MLIR: grad -> linalg -> bufferized loops -> LLVM dialect
  double llvm = 0;         ///< LLVM IR, LLVM's optimizer, machine code, linking into the process
  double total = 0;        ///< the whole compile (the sum of the above and a little glue)
  bool cache_hit = false;  ///< the object code came from the persistent cache
  std::string cache_key;   ///< hex SHA-256 key in the cache directory (empty without one)
  size_t object_bytes = 0; ///< size of the machine code object(s)
  int64_t kernels_before_fusion = 0; ///< kernels (loop nests) of the graph before --grad-fuse
  int64_t kernels_after_fusion = 0;  ///< and after it (native backend only; 0 otherwise)
};

/// The CompileStats of the most recent grad::jit compile on this thread (all zero before one).
CompileStats last_compile_stats();
/// One line: "compile 1.234 s = trace 0.1 + graph 0.05 + lowering 0.4 + llvm 0.6 (cache miss)".
std::string format_compile_stats(const CompileStats &stats);

/// One difference between a new signature and the closest compiled one: why grad::jit compiled
/// again.
struct SignatureChange {
  enum class Kind {
    Size,      ///< `dim` of argument `input` has a new size
    Rank,      ///< argument `input` has a new rank (old_size, new_size: the ranks)
    DType,     ///< argument `input` has a new dtype
    Arguments, ///< the number of arguments changed (old_size, new_size: the counts)
  };
  Kind kind = Kind::Size;
  int input = -1;        ///< argument index (-1 for Arguments)
  int dim = -1;          ///< dimension (Size only)
  int64_t old_size = -1; ///< the size (rank, count) in the compiled signature compared with
  int64_t new_size = -1; ///< the size (rank, count) in the new one
  DType old_dtype = DType::f32, new_dtype = DType::f32; ///< DType only
};

/// One compile of a grad::jit function and its reason (GRAD_LOG=recompiles prints each).
struct CompileEvent {
  std::string function;   ///< JitOptions::name
  size_t number = 0;      ///< 1 for the function's first compile, 2 for the next, ...
  std::string signature;  ///< the new signature, e.g. "f32[16,3], f32[3,2]"
  std::string compared_to;///< the compiled signature closest to it ("" on the first compile)
  std::vector<SignatureChange> changes; ///< what differs from compared_to (empty: first compile)
  double compile_ms = 0;  ///< wall-clock time of the trace and compile
  std::string evicted;    ///< the signature evicted for it (JitOptions::cache_limit), or ""
  /// The argument dims this compile made `?` (Dynamic::Auto or JitOptions::dynamic_dims), each
  /// a Size change with the sizes of the two traces; empty for static code.
  std::vector<SignatureChange> made_dynamic;
  /// Why this compile is static although the policy asked for dynamic dims ("" otherwise).
  std::string static_reason;
};

/// "input #0 dim 0: 8 -> 16", "input #1 dtype f32 -> f64", "input #2 rank 2 -> 3",
/// "arguments 2 -> 3".
std::string format_signature_change(const SignatureChange &change);
/// The line GRAD_LOG=recompiles prints: "grad::jit @f: compile #2 (input #0 dim 0: 8 -> 16;
/// was f32[8,3], f32[3,2]) took 41.3 ms".
std::string format_compile_event(const CompileEvent &event);

namespace detail {
/// A flattened function: returns its outputs as a flat list and writes the group sizes of its
/// original result structure (see OutputTree) into `structure`.
using FlatFn =
    std::function<std::vector<Tensor>(const std::vector<Tensor> &, std::vector<size_t> &)>;

/// How a callable's result is flattened into tensors and rebuilt from them.
template <class R> struct OutputTree;
template <> struct OutputTree<Tensor> {
  static void flatten(const Tensor &r, std::vector<Tensor> &out, std::vector<size_t> &s) {
    out.push_back(r);
    s.push_back(1);
  }
  static Tensor unflatten(const std::vector<Tensor> &flat, const std::vector<size_t> &) {
    return flat.at(0);
  }
};
template <> struct OutputTree<std::vector<Tensor>> {
  static void flatten(const std::vector<Tensor> &r, std::vector<Tensor> &out,
                      std::vector<size_t> &s) {
    out.insert(out.end(), r.begin(), r.end());
    s.push_back(r.size());
  }
  static std::vector<Tensor> unflatten(const std::vector<Tensor> &flat,
                                       const std::vector<size_t> &) {
    return flat;
  }
};
/// value_and_grad's result: (value, grads).
template <> struct OutputTree<std::pair<Tensor, std::vector<Tensor>>> {
  static void flatten(const std::pair<Tensor, std::vector<Tensor>> &r, std::vector<Tensor> &out,
                      std::vector<size_t> &s) {
    out.push_back(r.first);
    out.insert(out.end(), r.second.begin(), r.second.end());
    s.push_back(1);
    s.push_back(r.second.size());
  }
  static std::pair<Tensor, std::vector<Tensor>> unflatten(const std::vector<Tensor> &flat,
                                                          const std::vector<size_t> &) {
    return {flat.at(0), std::vector<Tensor>(flat.begin() + 1, flat.end())};
  }
};

template <class F>
using ResultOf = std::decay_t<std::invoke_result_t<F &, const std::vector<Tensor> &>>;

template <class F> FlatFn flatten(F fn) {
  return [fn = std::move(fn)](const std::vector<Tensor> &args,
                              std::vector<size_t> &structure) mutable {
    std::vector<Tensor> out;
    OutputTree<ResultOf<F>>::flatten(fn(args), out, structure);
    return out;
  };
}

/// The type-erased cache behind JitFunction: signature -> compiled function.
class JitCache {
public:
  JitCache(FlatFn fn, JitOptions options);
  ~JitCache();
  /// Runs the compiled function for `args`' signature, tracing and compiling it on a miss.
  std::vector<Tensor> call(const std::vector<Tensor> &args);
  /// The optimized grad-dialect module for `args`' signature (compiles it on a miss).
  std::string mlir(const std::vector<Tensor> &args);
  /// That module as a Graphviz DOT picture, one box per kernel (see JitFunction::dot).
  std::string dot(const std::vector<Tensor> &args);
  size_t num_traces() const;
  size_t cache_size() const;
  CompileStats last_compile_stats() const;
  std::vector<CompileEvent> compile_events() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
} // namespace detail

namespace detail {
/// Binds a module's parameters to other tensors while alive (see functional_call).
class ParameterBinding {
public:
  ParameterBinding(nn::Module &module, const std::vector<Tensor> &params);
  ~ParameterBinding();
  ParameterBinding(const ParameterBinding &) = delete;
  ParameterBinding &operator=(const ParameterBinding &) = delete;

private:
  std::vector<std::pair<Tensor, Tensor>> swapped_;
};
} // namespace detail

/// Runs `fn()` with `module`'s parameters (module.parameters() order) replaced by `params`, then
/// restores them -- like torch.func.functional_call. This is how an unchanged nn::Module runs
/// under grad::jit with its parameters as arguments of the jitted function:
///
///   auto step = grad::jit(grad::value_and_grad([&](const std::vector<Tensor>& a) {
///     std::vector<Tensor> params(a.begin() + 2, a.end());
///     return grad::functional_call(model, params, [&] {
///       return grad::cross_entropy(model.forward(a[0]), a[1]); });
///   }, {2, 3, 4, 5}));
///   auto args = std::vector<Tensor>{x, labels};  // + model.parameters()
///
/// Each of `params` must be a symbolic tensor (a traced argument) or the module's own parameter;
/// shapes and dtypes must match. Eagerly, call the module directly (its parameters are leaves).
template <class F>
auto functional_call(nn::Module &module, const std::vector<Tensor> &params, F &&fn)
    -> decltype(fn()) {
  detail::ParameterBinding binding(module, params);
  return fn();
}

/// A traced function: one func.func in its own grad-dialect module.
class TracedFunction {
public:
  /// The module as MLIR text (pretty form), readable by grad-opt and gradc.
  std::string mlir() const;
  /// Writes mlir() to `path`; throws grad::Error if the file cannot be written.
  void save(const std::string &path) const;
  /// The func.func symbol name.
  const std::string &name() const;
  /// Runs the traced function with the reference interpreter (a check that it matches eager).
  std::vector<Tensor> operator()(const std::vector<Tensor> &inputs) const;

  struct Impl;
  explicit TracedFunction(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

private:
  std::shared_ptr<Impl> impl_;
};

/// Traces `fn` with symbolic tensors shaped like `example_inputs` (their values are not read).
/// fn takes `const std::vector<Tensor>&` and returns a Tensor, a std::vector<Tensor> or
/// value_and_grad's (Tensor, std::vector<Tensor>). Host control flow unrolls; reading a
/// symbolic value on the host (item(), to_vector()) throws grad::Error.
TracedFunction trace_flat(detail::FlatFn fn, const std::vector<Tensor> &example_inputs,
                          const JitOptions &options = {});
template <class F>
TracedFunction trace(F fn, const std::vector<Tensor> &example_inputs,
                     const JitOptions &options = {}) {
  return trace_flat(detail::flatten(std::move(fn)), example_inputs, options);
}

/// The callable grad::jit returns; same call form and result type as the wrapped function.
/// Copies share one cache.
template <class R> class JitFunction {
public:
  explicit JitFunction(std::shared_ptr<detail::JitCache> cache) : cache_(std::move(cache)) {}
  R operator()(const std::vector<Tensor> &args) const {
    return detail::OutputTree<R>::unflatten(cache_->call(args), {});
  }
  /// The optimized IR that runs for `args`' signature.
  std::string mlir(const std::vector<Tensor> &args) const { return cache_->mlir(args); }
  /// The graph that runs for `args`' signature as Graphviz DOT (gradc --emit=dot
  /// --dot-collapse-fusions): arguments as ellipses, one box per kernel -- each grad.fusion
  /// the graph passes made is a single box listing its ops -- and edges along the data flow.
  /// Render with `dot -Tsvg`. The counterpart of grad::to_dot's eager tape.
  std::string dot(const std::vector<Tensor> &args) const { return cache_->dot(args); }
  /// How many times the wrapped function was traced (one per new signature).
  size_t num_traces() const { return cache_->num_traces(); }
  /// How many signatures are compiled and kept (at most JitOptions::cache_limit).
  size_t cache_size() const { return cache_->cache_size(); }
  /// Every compile of this function so far, oldest first, each with its reason (the same
  /// events GRAD_LOG=recompiles prints).
  std::vector<CompileEvent> compile_events() const { return cache_->compile_events(); }
  /// Where the time of this function's most recent compile went.
  CompileStats last_compile_stats() const { return cache_->last_compile_stats(); }

private:
  std::shared_ptr<detail::JitCache> cache_;
};

/// Returns a callable that traces `fn` on the first call per signature (shapes and dtypes of
/// the arguments), compiles it, caches it and runs the compiled code; later calls with the same
/// signature do not run fn's body again. Model parameters are passed as arguments (see
/// grad::nn functional use in docs/eager-vs-static.md), so a training loop does not recompile.
/// grad::jit(grad::value_and_grad(fn, argnums)) differentiates fn's traced IR with the
/// --grad-autodiff machinery.
template <class F> auto jit(F fn, JitOptions options = {}) {
  using R = detail::ResultOf<F>;
  return JitFunction<R>(
      std::make_shared<detail::JitCache>(detail::flatten(std::move(fn)), std::move(options)));
}

} // namespace grad
