// A two-rank job in which rank 1 fails (ctest dist_failure_*; run_failure.sh checks the outcome):
//   raise:   rank 1 throws grad::Error from inside a DDP backward and does not catch it
//   kill:    rank 1 is killed by SIGKILL before the first gradient all-reduce
//   timeout: rank 1 never calls the collective; rank 0's wait gives up after GRAD_DIST_TIMEOUT
// Rank 0 keeps training; without the failure handling it would wait forever.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "grad/dist.h"
#include "grad/eager.h"

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "raise";
  grad::dist::init();
  auto model = std::make_shared<grad::nn::Linear>(grad::nn::LinearOptions(4, 2).seed(1));
  grad::dist::DistributedDataParallel ddp(model);
  const bool failing = grad::dist::rank() == 1;
  if (failing && std::strcmp(mode, "kill") == 0)
    std::raise(SIGKILL);
  if (failing && std::strcmp(mode, "timeout") == 0) {
    std::this_thread::sleep_for(std::chrono::seconds(20)); // stuck: no collective
    return 0;
  }
  for (int step = 0; step < 1000000; ++step) {
    grad::Tensor x = grad::randn({8, 4}, step);
    grad::Tensor loss = ddp.forward(x).sum();
    if (failing && step == 3)
      loss.register_hook([](const grad::Tensor& g) -> grad::Tensor {
        throw grad::Error("injected failure in backward on rank 1");
      });
    loss.backward();
  }
  grad::dist::finalize();
  return 0;
}
