//===- Jit.cpp - grad::jit: trace once per signature, cache, run ----------===//
//
// The cache behind grad::jit. Key: the arguments' (dtype, shape) list. A miss traces the
// function into its own module (all of one JitFunction's modules share one MLIRContext),
// optimizes it and compiles it for the chosen backend; a hit only checks the key and runs the
// compiled entry -- the user's function body does not run again.
//
//===----------------------------------------------------------------------===//

#include "CompileEvents.h"
#include "grad/Autodiff/Generalize.h"

#include "grad/Jit/Executable.h"
#include "grad/Jit/Tracer.h"

#include "grad/autograd.h"
#include "grad/error.h"
#ifdef GRAD_JIT_NATIVE
#include "grad/Gpu/GpuJit.h"
#include "grad/Driver/DotEmitter.h"
#endif

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

using namespace mlir;

namespace grad {
namespace detail {

namespace {
struct CompiledEntry {
  OwningOpRef<ModuleOp> module;
  /// Shared: a call running outside the lock keeps it alive if JitOptions::cache_limit evicts
  /// the entry meanwhile.
  std::shared_ptr<Executable> executable;
  /// JitOptions::donate resolved against the traced function: (argument, output) pairs.
  std::vector<std::pair<size_t, size_t>> donated;
  /// The compile number (CompileEvent::number) and the last call that used the entry.
  size_t number = 0;
  uint64_t lastUse = 0;
  /// Dynamic::Auto: the traced module before the graph passes, the reference a later signature
  /// is compared with (Note [Generalizing two traces]).
  OwningOpRef<ModuleOp> traced;
};

/// Whether `key` fits `pattern` (a signature whose dynamic dims are -1).
bool matchesPattern(const Signature &pattern, const Signature &key) {
  if (pattern.size() != key.size())
    return false;
  for (size_t i = 0; i < key.size(); ++i) {
    if (pattern[i].first != key[i].first || pattern[i].second.size() != key[i].second.size())
      return false;
    for (size_t d = 0; d < key[i].second.size(); ++d)
      if (pattern[i].second[d] >= 0 && pattern[i].second[d] != key[i].second[d])
        return false;
  }
  return true;
}

/// The sizes the dims to be made `?` take in a second trace of the function (JitOptions::
/// dynamic_dims, or dims that stay `?` under Auto), given their sizes in the call: each moves by
/// `step` (+1 or -1; a size that would fall below 2 grows by one instead, since a size of 1
/// broadcasts), except a dim whose size is the product of two or three of the other dims' sizes,
/// which takes the product of their new sizes. So a step whose labels are `[B*T]` next to inputs
/// `[B,T]` can mark all three dims: the second trace runs at `[B+1,T+1]` and `[(B+1)(T+1)]`,
/// which the shapes of the function accept, where `B*T + 1` would be a shape error. Pairs are
/// tried before triples and the first product found wins. A wrong guess costs nothing but the
/// static code: the second trace is a real trace at the sizes chosen, and the generalization
/// compares the two (a trace that fails at them, or a graph that differs, keeps the static code
/// with the reason in the compile event).
std::vector<int64_t> otherTraceSizes(const std::vector<int64_t> &sizes, int step) {
  size_t n = sizes.size();
  auto moved = [&](size_t i) { return sizes[i] + step >= 2 ? sizes[i] + step : sizes[i] + 1; };
  std::vector<int64_t> other(n);
  for (size_t i = 0; i < n; ++i)
    other[i] = moved(i);
  // The new size of `target` if it is the product of the dims in `factors` (each >= 2).
  auto product = [&](size_t target, std::initializer_list<size_t> factors) -> bool {
    int64_t old = 1, moves = 1;
    for (size_t f : factors) {
      if (f == target || sizes[f] < 2)
        return false;
      old *= sizes[f];
      moves *= moved(f);
    }
    if (old != sizes[target])
      return false;
    other[target] = moves;
    return true;
  };
  auto factor = [&](size_t target) {
    for (size_t a = 0; a < n; ++a)
      for (size_t b = a + 1; b < n; ++b)
        if (product(target, {a, b}))
          return;
    for (size_t a = 0; a < n; ++a)
      for (size_t b = a + 1; b < n; ++b)
        for (size_t c = b + 1; c < n; ++c)
          if (product(target, {a, b, c}))
            return;
  };
  for (size_t i = 0; i < n; ++i)
    factor(i);
  return other;
}

/// Same arguments, dtypes and ranks: only sizes differ.
bool sameStructure(const Signature &a, const Signature &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || a[i].second.size() != b[i].second.size())
      return false;
  return true;
}

/// Pairs each donated argument (increasing index) with the first output not yet paired that has
/// its type. Throws grad::Error for an index out of range or listed twice, or an argument no
/// output can reuse.
std::vector<std::pair<size_t, size_t>> pairDonations(func::FuncOp func,
                                                     const std::vector<int> &donate,
                                                     const std::vector<Tensor> &args) {
  std::vector<int> sorted = donate;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<size_t, size_t>> pairs;
  std::vector<bool> taken(func.getNumResults(), false);
  for (size_t k = 0; k < sorted.size(); ++k) {
    int i = sorted[k];
    if (i < 0 || static_cast<size_t>(i) >= args.size())
      throw Error("jit @" + func.getSymName().str() + ": JitOptions::donate lists argument #" +
                  std::to_string(i) + " but the function is called with " +
                  std::to_string(args.size()) + " arguments");
    if (k > 0 && sorted[k - 1] == i)
      throw Error("jit @" + func.getSymName().str() + ": JitOptions::donate lists argument #" +
                  std::to_string(i) + " twice");
    Type type = func.getArgumentTypes()[i];
    size_t j = 0;
    while (j < taken.size() && (taken[j] || func.getResultTypes()[j] != type))
      ++j;
    if (j == taken.size())
      throw Error("jit @" + func.getSymName().str() + ": JitOptions::donate lists argument #" +
                  std::to_string(i) + " (" + dtype_name(args[i].dtype()) +
                  shape_str(args[i].shape()) +
                  ") but no output left has that shape and dtype to reuse its buffer");
    taken[j] = true;
    pairs.emplace_back(i, j);
  }
  return pairs;
}

/// Rejects a donated argument whose storage another argument shares: writing the output into
/// it would change what the other one reads.
void checkDonatedArguments(const std::string &name,
                           const std::vector<std::pair<size_t, size_t>> &donated,
                           const std::vector<Tensor> &args) {
  for (auto [i, j] : donated)
    for (size_t k = 0; k < args.size(); ++k)
      if (k != i && args[k].shares_storage(args[i]))
        throw Error("jit @" + name + ": argument #" + std::to_string(i) +
                    " is donated (JitOptions::donate) but shares its storage with argument #" +
                    std::to_string(k) + "; pass a copy of one of them");
}

/// After a call: each donated argument holds its output's value and is returned as it.
void completeDonations(const std::vector<std::pair<size_t, size_t>> &donated,
                       const std::vector<Tensor> &args, std::vector<Tensor> &outputs) {
  // An output that views a donated argument (the interpreter returns arguments as they are)
  // must keep the value it had before any argument is overwritten: copy it first.
  for (size_t k = 0; k < outputs.size(); ++k) {
    bool inPlace = false, aliases = false;
    for (auto [i, j] : donated) {
      inPlace |= j == k && outputs[k].is_same(args[i]);
      aliases |= outputs[k].shares_storage(args[i]);
    }
    if (aliases && !inPlace) {
      Tensor copy = empty(outputs[k].shape(), outputs[k].dtype());
      NoGradGuard noGrad;
      copy.copy_(outputs[k]);
      outputs[k] = copy;
    }
  }
  for (auto [i, j] : donated) {
    Tensor arg = args[i];
    if (outputs[j].is_same(arg)) { // written in place by the native code
      detail::bump_version(arg);
    } else {
      NoGradGuard noGrad;
      arg.copy_(outputs[j]);
    }
    outputs[j] = arg;
  }
}

JitBackend backendFromEnvironment(JitBackend fallback) {
  const char *env = std::getenv("GRAD_JIT_BACKEND");
  if (!env || !*env)
    return fallback;
  std::string value(env);
  if (value == "interpreter")
    return JitBackend::Interpreter;
  if (value == "native")
    return JitBackend::Native;
  throw Error("jit: GRAD_JIT_BACKEND='" + value + "' is not one of interpreter, native");
}
double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

thread_local CompileStats lastStats;
} // namespace

struct JitCache::Impl {
  FlatFn fn;
  JitOptions options;
  std::unique_ptr<MLIRContext> context;
  std::map<Signature, CompiledEntry> entries;
  /// Code with `?` dims, keyed by pattern (-1: dynamic), newest last.
  std::vector<std::pair<Signature, CompiledEntry>> dynamicEntries;
  size_t numTraces = 0;
  CompileStats stats;
  std::vector<CompileEvent> events;
  uint64_t calls = 0;
  bool warnedCacheLimit = false;
  std::mutex mutex;

  std::string cacheDir() const {
    if (!options.cache_dir.empty())
      return options.cache_dir;
    const char *env = std::getenv("GRAD_CACHE_DIR");
    return env ? std::string(env) : std::string();
  }

  CompiledEntry &lookup(const std::vector<Tensor> &args) {
    Signature key;
    key.reserve(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      if (!args[i].defined())
        throw Error("jit: argument #" + std::to_string(i) + " is undefined");
      key.emplace_back(args[i].dtype(), args[i].shape());
    }
    ++calls;
    auto it = entries.find(key);
    if (it != entries.end()) {
      it->second.lastUse = calls;
      return it->second;
    }
    for (auto &[pattern, compiled] : llvm::reverse(dynamicEntries))
      if (matchesPattern(pattern, key)) {
        compiled.lastUse = calls;
        return compiled;
      }
    ++numTraces;
    CompileStats s;
    auto t0 = std::chrono::steady_clock::now();
    CompiledEntry entry;
    entry.module = ModuleOp::create(UnknownLoc::get(context.get()));
    std::vector<size_t> structure;
    traceFunction(*entry.module, options.name, fn, args, structure);
    s.trace = secondsSince(t0);
    auto t1 = std::chrono::steady_clock::now();
    optimizeTracedModule(*entry.module, options.optimize);
    s.graph_passes = secondsSince(t1);
    std::vector<DynamicDim> madeDynamic;
    std::string staticReason = generalize(entry, key, args, madeDynamic);
    if (!options.donate.empty()) {
      auto func = entry.module->lookupSymbol<func::FuncOp>(options.name);
      entry.donated = pairDonations(func, options.donate, args);
      // The native CPU code writes donated outputs into their arguments' buffers (Note [Buffer
      // donation]); the other backends' outputs are copied there by completeDonations.
      if (options.device == Device::CPU && options.backend == JitBackend::Native &&
          madeDynamic.empty()) {
        std::vector<int64_t> flat;
        for (auto [i, j] : entry.donated) {
          flat.push_back(static_cast<int64_t>(i));
          flat.push_back(static_cast<int64_t>(j));
        }
        func->setAttr("grad.donate", DenseI64ArrayAttr::get(context.get(), flat));
      }
    }
    if (options.device == Device::CUDA) {
#ifdef GRAD_JIT_NATIVE
      entry.executable = compileGpuEntry(*entry.module, options.name);
#else
      throw Error("jit: Device::CUDA needs the code generators (this build has GRAD_JIT_NATIVE=OFF)");
#endif
    } else {
      entry.executable =
          compileEntry(*entry.module, options.name, options.backend, cacheDir(), &s);
    }
    s.total = secondsSince(t0);
    stats = s;
    lastStats = s;
    if (logChannelEnabled("compile"))
      std::fprintf(stderr, "grad::jit @%s: %s\n", options.name.c_str(),
                   format_compile_stats(s).c_str());
    CompileEvent event = describeCompile(key, s.total);
    event.static_reason = staticReason;
    Signature pattern = key;
    for (const DynamicDim &d : madeDynamic) {
      SignatureChange c;
      c.kind = SignatureChange::Kind::Size;
      c.input = static_cast<int>(d.input);
      c.dim = static_cast<int>(d.dim);
      c.old_size = d.old_size;
      c.new_size = d.new_size;
      event.made_dynamic.push_back(c);
      pattern[d.input].second[d.dim] = -1;
    }
    if (madeDynamic.empty() && options.cache_limit > 0 && entries.size() >= options.cache_limit)
      event.evicted = evictLeastRecentlyUsed();
    entry.number = event.number;
    entry.lastUse = calls;
    if (logChannelEnabled("recompiles"))
      std::fprintf(stderr, "%s\n", format_compile_event(event).c_str());
    events.push_back(std::move(event));
    if (!madeDynamic.empty()) {
      dynamicEntries.emplace_back(std::move(pattern), std::move(entry));
      return dynamicEntries.back().second;
    }
    return entries.emplace(std::move(key), std::move(entry)).first->second;
  }

  /// Dynamic::Auto and JitOptions::dynamic_dims: replaces entry.module (just traced for `key`) by
  /// its generalization with `?` dims when there is a reference trace to compare with
  /// (Note [Generalizing two traces]), and keeps a static trace as a later reference. Returns
  /// why the code stays static when dynamic dims were asked for ("" otherwise).
  ///
  /// The references tried, in order, until one generalizes: under Auto, the trace of the most
  /// recently used static signature of the same structure; then (and first with marks) the
  /// function traced again with the dims to be made `?` one larger, then one smaller. Two
  /// directions because a graph pass may depend on a size (a constant broadcast folds up to
  /// 4096 elements): a trace at a size where it folds differs from one where it does not, and
  /// of n + 1 and n - 1 one is on the same side of such a bound as n. Under Auto, dims that an
  /// earlier compile made `?` and this signature leaves at the reference's size (the batch went
  /// `?` first, now the sequence length changes at the first batch size) stay `?`: then only
  /// the second traces are tried (torch.compile's automatic dynamic keeps a dim dynamic once it
  /// has changed too).
  std::string generalize(CompiledEntry &entry, const Signature &key,
                         const std::vector<Tensor> &args, std::vector<DynamicDim> &made) {
    bool marks = !options.dynamic_dims.empty();
    if ((options.dynamic != Dynamic::Auto && !marks) || options.device != Device::CPU)
      return "";
    func::FuncOp reference;
    std::vector<std::pair<int, int>> dims; // the dims of the second traces
    if (marks) {
      for (auto [i, d] : options.dynamic_dims)
        if (i < 0 || static_cast<size_t>(i) >= args.size() || d < 0 ||
            d >= static_cast<int>(args[i].dim()))
          throw Error("jit @" + options.name + ": JitOptions::dynamic_dims names argument #" +
                      std::to_string(i) + " dim " + std::to_string(d) + ", which " +
                      formatSignature(key) + " does not have");
      dims = options.dynamic_dims;
    } else {
      // Auto: the most recently used static entry of the same arguments, dtypes and ranks.
      const Signature *bestKey = nullptr;
      CompiledEntry *best = nullptr;
      for (auto &[signature, compiled] : entries)
        if (compiled.traced && sameStructure(signature, key) &&
            (!best || compiled.lastUse > best->lastUse)) {
          best = &compiled;
          bestKey = &signature;
        }
      if (best) {
        bool keptDynamic = false;
        for (size_t i = 0; i < key.size(); ++i)
          for (size_t d = 0; d < key[i].second.size(); ++d) {
            bool changed = (*bestKey)[i].second[d] != key[i].second[d];
            bool wasDynamic = llvm::any_of(dynamicEntries, [&](const auto &e) {
              return sameStructure(e.first, key) && e.first[i].second[d] < 0;
            });
            if (changed || wasDynamic)
              dims.push_back({static_cast<int>(i), static_cast<int>(d)});
            keptDynamic |= wasDynamic && !changed;
          }
        if (!keptDynamic)
          reference = best->traced->lookupSymbol<func::FuncOp>(options.name);
      }
    }
    std::string why;
    auto tryReference = [&](func::FuncOp ref) {
      OwningOpRef<ModuleOp> candidate = entry.module->clone();
      std::string reason =
          generalizeTrace(candidate->lookupSymbol<func::FuncOp>(options.name), ref, made);
      if (reason.empty()) {
        entry.module = std::move(candidate);
        return true;
      }
      made.clear();
      if (why.empty())
        why = reason;
      return false;
    };
    if (reference && tryReference(reference))
      return "";
    if (!dims.empty())
      for (int step : {+1, -1}) {
        OwningOpRef<ModuleOp> other;
        std::string failed = traceAtOtherSizes(args, dims, step, other);
        if (!failed.empty()) {
          if (why.empty())
            why = "tracing at other sizes of the " +
                  std::string(marks ? "marked dims" : "dims that went dynamic") +
                  " failed: " + failed;
          continue;
        }
        if (tryReference(other->lookupSymbol<func::FuncOp>(options.name)))
          return "";
      }
    if (!marks)
      entry.traced = entry.module->clone(); // the reference of the next signature
    return why;
  }

  /// Traces the function (and runs the graph passes) with `args`' sizes moved in `dims`
  /// (otherTraceSizes), into `trace`; returns the tracing error's message ("" on success).
  std::string traceAtOtherSizes(const std::vector<Tensor> &args,
                                const std::vector<std::pair<int, int>> &dims, int step,
                                OwningOpRef<ModuleOp> &trace) {
    std::vector<Tensor> other(args.begin(), args.end());
    std::vector<int64_t> sizes;
    for (auto [i, d] : dims)
      sizes.push_back(args[i].shape()[d]);
    std::vector<int64_t> moved = otherTraceSizes(sizes, step);
    for (size_t k = 0; k < dims.size(); ++k) {
      auto [i, d] = dims[k];
      Shape shape = other[i].shape();
      shape[d] = moved[k];
      other[i] = zeros(shape, other[i].dtype());
    }
    trace = ModuleOp::create(UnknownLoc::get(context.get()));
    std::vector<size_t> structure;
    try {
      traceFunction(*trace, options.name, fn, other, structure);
      optimizeTracedModule(*trace, options.optimize);
    } catch (const Error &e) {
      return e.what();
    }
    return "";
  }

  /// The event of a compile for `key`: the reason is the difference from the compiled
  /// signature with the fewest changes (the most recent one among equals).
  CompileEvent describeCompile(const Signature &key, double seconds) const {
    CompileEvent event;
    event.function = options.name;
    event.number = events.size() + 1;
    event.signature = formatSignature(key);
    event.compile_ms = seconds * 1e3;
    const Signature *closest = nullptr;
    size_t closestNumber = 0;
    for (const auto &[signature, compiled] : entries) {
      std::vector<SignatureChange> changes = diffSignatures(signature, key);
      if (!closest || changes.size() < event.changes.size() ||
          (changes.size() == event.changes.size() && compiled.number > closestNumber)) {
        closest = &signature;
        closestNumber = compiled.number;
        event.changes = std::move(changes);
      }
    }
    if (closest)
      event.compared_to = formatSignature(*closest);
    return event;
  }

  /// Drops the least recently used entry (JitOptions::cache_limit is reached) and returns its
  /// signature; warns once per function.
  std::string evictLeastRecentlyUsed() {
    auto victim = entries.begin();
    for (auto it = entries.begin(); it != entries.end(); ++it)
      if (it->second.lastUse < victim->second.lastUse)
        victim = it;
    std::string evicted = formatSignature(victim->first);
    if (!warnedCacheLimit) {
      warnedCacheLimit = true;
      std::fprintf(stderr,
                   "grad::jit @%s: warning: cache limit reached (JitOptions::cache_limit = %zu "
                   "signatures); each new signature now evicts the least recently used one "
                   "(first: %s). Set GRAD_LOG=recompiles to see why each compile happened.\n",
                   options.name.c_str(), options.cache_limit, evicted.c_str());
    }
    entries.erase(victim);
    return evicted;
  }
};

JitCache::JitCache(FlatFn fn, JitOptions options) : impl_(std::make_unique<Impl>()) {
  registerSymbolicValueAndGrad();
  impl_->fn = std::move(fn);
  impl_->options = std::move(options);
  impl_->options.backend = backendFromEnvironment(impl_->options.backend);
#ifndef GRAD_JIT_NATIVE
  // A build without the CPU backend (GRAD_JIT_NATIVE=OFF) runs everything on the interpreter.
  impl_->options.backend = JitBackend::Interpreter;
#endif
  impl_->context = createTraceContext();
}

JitCache::~JitCache() = default;

std::vector<Tensor> JitCache::call(const std::vector<Tensor> &args) {
  // A jitted function called while tracing another one is inlined into that trace (as in JAX).
  for (const Tensor &a : args) {
    if (a.defined() && a.is_symbolic()) {
      std::vector<size_t> structure;
      return impl_->fn(args, structure);
    }
  }
  // Only the signature lookup (and a compile on a miss) is locked: native code runs in parallel
  // from any number of threads. Backends that use the shared MLIRContext (the interpreter) run
  // under the lock. The call holds its own references: JitOptions::cache_limit may evict the
  // entry while it runs.
  std::unique_lock<std::mutex> lock(impl_->mutex);
  CompiledEntry &entry = impl_->lookup(args);
  std::shared_ptr<Executable> executable = entry.executable;
  std::vector<std::pair<size_t, size_t>> donated = entry.donated;
  if (executable->reentrant())
    lock.unlock();
  if (donated.empty())
    return executable->run(args);
  checkDonatedArguments(impl_->options.name, donated, args);
  std::vector<Tensor> outputs = executable->run(args);
  completeDonations(donated, args, outputs);
  return outputs;
}

std::string JitCache::mlir(const std::vector<Tensor> &args) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::string text;
  llvm::raw_string_ostream os(text);
  impl_->lookup(args).module->print(os);
  return text;
}

std::string JitCache::dot(const std::vector<Tensor> &args) {
#ifdef GRAD_JIT_NATIVE
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::string text;
  llvm::raw_string_ostream os(text);
  DotOptions options;
  options.collapseFusions = true;
  (void)emitDot(*impl_->lookup(args).module, os, options);
  return text;
#else
  (void)args;
  throw Error("jit: dot() needs the code generators (this build has GRAD_JIT_NATIVE=OFF)");
#endif
}

size_t JitCache::num_traces() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->numTraces;
}
size_t JitCache::cache_size() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->entries.size() + impl_->dynamicEntries.size();
}
std::vector<CompileEvent> JitCache::compile_events() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->events;
}
CompileStats JitCache::last_compile_stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

} // namespace detail

CompileStats last_compile_stats() { return detail::lastStats; }

std::string format_compile_stats(const CompileStats &s) {
  char line[320];
  int n = std::snprintf(
      line, sizeof line,
      "compile %.3f s = trace %.3f + graph passes %.3f + lowering %.3f + llvm %.3f (%s)", s.total,
      s.trace, s.graph_passes, s.lowering, s.llvm,
      s.cache_hit ? "cache hit" : (s.cache_key.empty() ? "no cache" : "cache miss"));
  if (s.kernels_before_fusion > 0 && n > 0 && static_cast<size_t>(n) < sizeof line)
    std::snprintf(line + n, sizeof line - n, "; kernels %lld -> %lld fused",
                  static_cast<long long>(s.kernels_before_fusion),
                  static_cast<long long>(s.kernels_after_fusion));
  return line;
}

namespace detail {

} // namespace detail
} // namespace grad
