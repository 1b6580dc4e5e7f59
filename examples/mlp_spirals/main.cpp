// mlp_spirals: the README demo. Trains a 2-64-64-2 MLP eagerly (tape autograd + Adam) to
// separate two interleaved spirals, printing loss and accuracy as it goes.
#include <cstdio>
#include <cstdlib>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "spirals.h"

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 400;
  grad::nn::manual_seed(0);
  const spirals::Dataset data = spirals::make(/*n_per_class=*/200, /*seed=*/42);

  grad::nn::Sequential model{grad::nn::Linear(2, 64), grad::nn::Tanh(), grad::nn::Linear(64, 64),
                             grad::nn::Tanh(), grad::nn::Linear(64, 2)};
  grad::optim::Adam optimizer(model.parameters(), grad::optim::AdamOptions(0.01));
  std::printf("mlp_spirals: %lld points, %zu parameter tensors, %d epochs (full batch, Adam)\n",
              static_cast<long long>(data.points.size(0)), model.parameters().size(), epochs);

  double acc = 0.0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    optimizer.zero_grad();
    grad::Tensor logits = model.forward(data.points);
    grad::Tensor loss = grad::cross_entropy(logits, data.labels);
    loss.backward();
    optimizer.step();
    if (epoch % 50 == 0 || epoch == 1 || epoch == epochs) {
      acc = spirals::accuracy(logits, data.labels);
      std::printf("epoch %4d  loss %.4f  accuracy %5.1f%%\n", epoch, loss.item<double>(),
                  100.0 * acc);
    }
  }
  grad::NoGradGuard no_grad;
  acc = spirals::accuracy(model.forward(data.points), data.labels);
  std::printf("final accuracy: %.1f%%\n", 100.0 * acc);
  return acc >= 0.95 ? 0 : 1;
}
