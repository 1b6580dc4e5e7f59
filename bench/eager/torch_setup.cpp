// libtorch peer setup: one intra-op and one inter-op thread, like the grad side.
#include <torch/torch.h>

#include "peer.h"

namespace bench {

void init_libtorch_peer() {
  torch::set_num_threads(1);
  torch::set_num_interop_threads(1);
}

} // namespace bench
