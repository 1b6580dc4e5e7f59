// nn::LayerNorm and nn::Embedding: modules holding a parameter for layer_norm / embedding.
#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"

namespace grad::nn {

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, DType dtype)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  if (normalized_shape_.empty())
    throw Error("LayerNorm: normalized_shape must have at least one dim");
  for (int64_t s : normalized_shape_)
    if (s <= 0)
      throw Error("LayerNorm: normalized_shape " + shape_str(normalized_shape_) +
                  " has a non-positive size");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape_, dtype));
    bias = register_parameter("bias", zeros(normalized_shape_, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  return layer_norm(input, normalized_shape_, weight, bias, eps_);
}

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<uint64_t> seed,
                     DType dtype) {
  if (num_embeddings <= 0 || embedding_dim <= 0)
    throw Error("Embedding: num_embeddings and embedding_dim must be positive, got " +
                std::to_string(num_embeddings) + " and " + std::to_string(embedding_dim));
  weight = register_parameter(
      "weight", randn({num_embeddings, embedding_dim}, seed ? *seed : next_seed(), dtype));
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(weight, indices); }

} // namespace grad::nn
