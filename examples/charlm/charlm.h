// A character-level GPT (nanoGPT's shape, two blocks) written once with grad::nn and run two
// ways: eagerly (tape + optim::Adam) and as one compiled jit(value_and_grad(...)) step through
// functional_call. Shared by examples/charlm (the demo), its ctest and bench/compiled.
//
// Model: token embedding + learned positional embedding; per block a pre-norm causal multi-head
// self-attention (mask applied with grad::where) and a gelu MLP (4x), residuals; final layer_norm,
// a linear head and cross-entropy over [B*T, V] logits.
#pragma once

#include "grad/autograd.h"
#include "grad/dot.h"
#include "grad/jit.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "grad/transforms.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace charlm {

using grad::Tensor;

struct Config {
  int64_t vocab = 76;    ///< distinct characters of the text
  int64_t context = 64;  ///< T
  int64_t d_model = 64;  ///< D
  int64_t heads = 4;     ///< H, D % H == 0
  int64_t layers = 2;    ///< transformer blocks
  int64_t batch = 16;    ///< B
  /// q, k, v as one Linear(D, 3D) followed by three slices (nanoGPT's c_attn) instead of three
  /// Linear(D, D).
  bool fused_qkv = false;
  uint64_t seed = 1;
};

/// The text as character ids, with its alphabet (sorted distinct bytes).
struct Corpus {
  std::string alphabet;
  std::vector<int64_t> ids;

  static Corpus load(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw grad::Error("charlm: cannot read the text file '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    Corpus c;
    bool seen[256] = {};
    for (unsigned char ch : text)
      seen[ch] = true;
    int64_t index[256];
    for (int b = 0; b < 256; ++b)
      if (seen[b]) {
        index[b] = static_cast<int64_t>(c.alphabet.size());
        c.alphabet.push_back(static_cast<char>(b));
      }
    c.ids.reserve(text.size());
    for (unsigned char ch : text)
      c.ids.push_back(index[ch]);
    return c;
  }

  /// Batch `step` of a fixed pseudo-random schedule: x [B,T] and the next-character targets
  /// y [B*T] (flattened for cross_entropy), both i64. Deterministic in (seed, step).
  std::pair<Tensor, Tensor> batch(const Config &cfg, uint64_t step) const {
    std::vector<int64_t> x, y;
    x.reserve(cfg.batch * cfg.context);
    y.reserve(cfg.batch * cfg.context);
    uint64_t s = (cfg.seed + 1) * 0x9E3779B97F4A7C15ull + step * 0xBF58476D1CE4E5B9ull;
    uint64_t range = ids.size() - static_cast<uint64_t>(cfg.context) - 1;
    for (int64_t b = 0; b < cfg.batch; ++b) {
      s ^= s >> 31;
      s *= 0x94D049BB133111EBull;
      s ^= s >> 29;
      uint64_t start = s % range;
      for (int64_t t = 0; t < cfg.context; ++t) {
        x.push_back(ids[start + t]);
        y.push_back(ids[start + t + 1]);
      }
    }
    return {grad::tensor(std::move(x), {cfg.batch, cfg.context}),
            grad::tensor(std::move(y), {cfg.batch * cfg.context})};
  }
};

/// [T,T] bool, true where key j <= query i.
inline Tensor causalMask(int64_t t) {
  std::vector<bool> m(t * t);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < t; ++j)
      m[i * t + j] = j <= i;
  return grad::bool_tensor(m, {t, t});
}

class Block : public grad::nn::Module {
public:
  Block(const Config &cfg, uint64_t seed) : cfg_(cfg) {
    int64_t d = cfg.d_model;
    auto lin = [&](int64_t in, int64_t out, uint64_t s) {
      return std::make_shared<grad::nn::Linear>(grad::nn::LinearOptions(in, out).seed(s));
    };
    ln1 = register_module("ln1", std::make_shared<grad::nn::LayerNorm>(grad::Shape{d}));
    if (cfg.fused_qkv) {
      qkv = register_module("c_attn", lin(d, 3 * d, seed + 1));
    } else {
      q = register_module("q", lin(d, d, seed + 1));
      k = register_module("k", lin(d, d, seed + 2));
      v = register_module("v", lin(d, d, seed + 3));
    }
    proj = register_module("c_proj", lin(d, d, seed + 4));
    ln2 = register_module("ln2", std::make_shared<grad::nn::LayerNorm>(grad::Shape{d}));
    fc1 = register_module("fc1", lin(d, 4 * d, seed + 5));
    fc2 = register_module("fc2", lin(4 * d, d, seed + 6));
  }

  /// x [B,T,D] -> [B,T,D]; `mask` is causalMask(T).
  Tensor forward(const Tensor &x, const Tensor &mask) {
    int64_t b = x.shape()[0], t = x.shape()[1], d = cfg_.d_model, h = cfg_.heads, hd = d / h;
    Tensor n = ln1->forward(x);
    Tensor qt, kt, vt;
    if (cfg_.fused_qkv) {
      Tensor all = qkv->forward(n); // [B,T,3D]
      qt = grad::slice(all, 2, 0, d);
      kt = grad::slice(all, 2, d, 2 * d);
      vt = grad::slice(all, 2, 2 * d, 3 * d);
    } else {
      qt = q->forward(n);
      kt = k->forward(n);
      vt = v->forward(n);
    }
    auto heads = [&](const Tensor &z) { // [B,T,D] -> [B,H,T,hd]
      return grad::permute(grad::reshape(z, {b, t, h, hd}), {0, 2, 1, 3});
    };
    Tensor qh = heads(qt), kh = heads(kt), vh = heads(vt);
    Tensor scores = grad::matmul(qh, grad::transpose(kh, 2, 3)) *
                    (1.0 / std::sqrt(static_cast<double>(hd))); // [B,H,T,T]
    scores = grad::where(mask, scores, -1e9);
    Tensor att = grad::matmul(grad::softmax(scores, -1), vh);                  // [B,H,T,hd]
    Tensor merged = grad::reshape(grad::permute(att, {0, 2, 1, 3}), {b, t, d}); // [B,T,D]
    Tensor x2 = x + proj->forward(merged);
    Tensor m = fc2->forward(grad::gelu(fc1->forward(ln2->forward(x2))));
    return x2 + m;
  }
  Tensor forward(const Tensor &) override {
    throw grad::Error("charlm::Block::forward needs the causal mask");
  }
  std::string name() const override { return "Block"; }

  std::shared_ptr<grad::nn::LayerNorm> ln1, ln2;
  std::shared_ptr<grad::nn::Linear> q, k, v, qkv, proj, fc1, fc2;

private:
  Config cfg_;
};

class CharGPT : public grad::nn::Module {
public:
  explicit CharGPT(const Config &cfg) : cfg_(cfg) {
    tok = register_module("wte", std::make_shared<grad::nn::Embedding>(cfg.vocab, cfg.d_model,
                                                                        cfg.seed * 100 + 1));
    pos = register_module("wpe", std::make_shared<grad::nn::Embedding>(cfg.context, cfg.d_model,
                                                                        cfg.seed * 100 + 2));
    for (int64_t l = 0; l < cfg.layers; ++l)
      blocks.push_back(register_module("h" + std::to_string(l),
                                       std::make_shared<Block>(cfg, cfg.seed * 100 + 10 * (l + 1))));
    lnf = register_module("ln_f", std::make_shared<grad::nn::LayerNorm>(grad::Shape{cfg.d_model}));
    head = register_module("lm_head", std::make_shared<grad::nn::Linear>(
                                          grad::nn::LinearOptions(cfg.d_model, cfg.vocab)
                                              .bias(false)
                                              .seed(cfg.seed * 100 + 3)));
    // Small embeddings as in GPT-2 (N(0, 0.02)) keep the first losses near log(V).
    grad::NoGradGuard ng;
    tok->weight.mul_(0.02);
    pos->weight.mul_(0.02);
  }

  /// idx [B,T] i64 -> logits [B*T, V].
  Tensor logits(const Tensor &idx, const Tensor &positions, const Tensor &mask) {
    int64_t b = idx.shape()[0], t = idx.shape()[1];
    Tensor x = tok->forward(idx) + pos->forward(positions); // [B,T,D] + [T,D]
    for (auto &blk : blocks)
      x = blk->forward(x, mask);
    Tensor out = head->forward(lnf->forward(x)); // [B,T,V]
    return grad::reshape(out, {b * t, cfg_.vocab});
  }
  Tensor loss(const Tensor &idx, const Tensor &targets, const Tensor &positions,
              const Tensor &mask) {
    return grad::cross_entropy(logits(idx, positions, mask), targets);
  }
  std::string name() const override { return "CharGPT"; }

  std::shared_ptr<grad::nn::Embedding> tok, pos;
  std::vector<std::shared_ptr<Block>> blocks;
  std::shared_ptr<grad::nn::LayerNorm> lnf;
  std::shared_ptr<grad::nn::Linear> head;

private:
  Config cfg_;
};

/// Constant inputs of every step: positions [T] and the causal mask [T,T]. A batch may be
/// shorter than the context (T <= cfg.context, a varying sequence length): each T gets its own
/// pair, made once.
struct StepConstants {
  Tensor positions, mask;
  explicit StepConstants(int64_t t)
      : positions(grad::arange(t, grad::DType::i64)), mask(causalMask(t)) {}
};

/// StepConstants per sequence length, made on first use.
class StepConstantsCache {
public:
  const StepConstants &operator()(const Config &cfg, const Tensor &x) {
    int64_t t = x.shape().size() == 2 ? x.shape()[1] : cfg.context;
    if (t < 1 || t > cfg.context)
      throw grad::Error("charlm: a batch of sequence length " + std::to_string(t) +
                        " does not fit the context " + std::to_string(cfg.context));
    auto it = byLength_.find(t);
    if (it == byLength_.end())
      it = byLength_.emplace(t, StepConstants(t)).first;
    return it->second;
  }

private:
  std::map<int64_t, StepConstants> byLength_;
};

/// Eager training: forward, backward on the tape, Adam.
class EagerTrainer {
public:
  EagerTrainer(const Config &cfg, double lr)
      : cfg_(cfg), model(cfg),
        opt_(model.parameters(), grad::optim::AdamOptions(lr)) {}
  /// One step on (x [B,T], y [B*T]); returns the loss before the update.
  float step(const Tensor &x, const Tensor &y) {
    opt_.zero_grad();
    const StepConstants &c = consts_(cfg_, x);
    Tensor loss = model.loss(x, y, c.positions, c.mask);
    loss.backward();
    opt_.step();
    return loss.item<float>();
  }
  /// The tape one step records: the backward graph of the loss on (x, y) as Graphviz DOT
  /// (grad::to_dot, leaves named after the parameters). Runs the forward pass only.
  std::string tape_dot(const Tensor &x, const Tensor &y) {
    const StepConstants &c = consts_(cfg_, x);
    Tensor loss = model.loss(x, y, c.positions, c.mask);
    return grad::to_dot(loss, model.named_parameters());
  }
  Config cfg_;
  CharGPT model;

private:
  StepConstantsCache consts_;
  grad::optim::Adam opt_;
};

/// Compiled training: the whole step is one grad::jit function -- loss, every parameter's
/// gradient (value_and_grad) and the Adam update (optim::adam_step, the functional form of the
/// same optimizer) -- with args (x, y, positions, mask, parameters..., Adam state...) and
/// outputs (parameters'..., state'..., loss). The parameters and the Adam state are donated
/// (JitOptions::donate): the step writes the new values into their buffers, so the model's own
/// parameters are updated in place as by eager optim::Adam. With donate = false the outputs are
/// new tensors and are copied into the parameters after the call (the memory comparison).
class CompiledTrainer {
public:
  CompiledTrainer(const Config &cfg, double lr, grad::JitOptions options = {},
                  bool donate = true)
      : cfg_(cfg), model(cfg), params_(model.parameters()),
        adam_(grad::optim::AdamOptions(lr)) {
    for (Tensor &p : params_)
      p = p.detach(); // the same storage as the module's parameter
    state_ = grad::optim::adam_init(params_, adam_);
    const size_t numParams = params_.size();
    std::vector<int> argnums;
    for (size_t i = 0; i < numParams; ++i)
      argnums.push_back(static_cast<int>(i + 4));
    auto lossFn = [this, numParams](const std::vector<Tensor> &a) {
      std::vector<Tensor> params(a.begin() + 4, a.begin() + 4 + numParams);
      return grad::functional_call(model, params,
                                   [&] { return model.loss(a[0], a[1], a[2], a[3]); });
    };
    auto stepFn = [lossFn, argnums, numParams, adam = adam_](const std::vector<Tensor> &a) {
      auto [loss, grads] = grad::value_and_grad(lossFn, argnums)(a);
      auto [params, state] = grad::optim::adam_step(
          std::vector<Tensor>(a.begin() + 4, a.begin() + 4 + numParams), grads,
          std::vector<Tensor>(a.begin() + 4 + numParams, a.end()), adam);
      std::vector<Tensor> out = std::move(params);
      out.insert(out.end(), state.begin(), state.end());
      out.push_back(loss); // after the donated outputs (JitOptions::donate pairs in order)
      return out;
    };
    if (donate)
      for (size_t i = 0; i < numParams + state_.size(); ++i)
        options.donate.push_back(static_cast<int>(i + 4));
    step_.emplace(grad::jit(stepFn, std::move(options)));
  }
  std::vector<Tensor> args(const Tensor &x, const Tensor &y) const {
    const StepConstants &c = consts_(cfg_, x);
    std::vector<Tensor> a = {x, y, c.positions, c.mask};
    a.insert(a.end(), params_.begin(), params_.end());
    a.insert(a.end(), state_.begin(), state_.end());
    return a;
  }
  float step(const Tensor &x, const Tensor &y) {
    std::vector<Tensor> out = (*step_)(args(x, y));
    grad::NoGradGuard noGrad;
    // Donated: out[i] is params_[i] itself, already updated; else copy the new values in.
    for (size_t i = 0; i < params_.size(); ++i)
      if (!out[i].is_same(params_[i]))
        params_[i].copy_(out[i]);
    for (size_t k = 0; k < state_.size(); ++k)
      state_[k] = out[params_.size() + k];
    return out.back().item<float>();
  }
  /// The optimized grad IR of the step.
  std::string mlir(const Tensor &x, const Tensor &y) const { return step_->mlir(args(x, y)); }
  /// The compiled step's graph as Graphviz DOT, one box per kernel (JitFunction::dot).
  std::string dot(const Tensor &x, const Tensor &y) const { return step_->dot(args(x, y)); }

  Config cfg_;
  CharGPT model;

  /// The jitted step (its compile_events() say why each compile happened).
  const grad::JitFunction<std::vector<Tensor>> &function() const { return *step_; }

private:
  mutable StepConstantsCache consts_;
  std::vector<Tensor> params_, state_;
  grad::optim::AdamOptions adam_;
  std::optional<grad::JitFunction<std::vector<Tensor>>> step_;
};

} // namespace charlm
