// Uses the installed grad::dist (and, through it, libgradrt_mpi's C entry points): collectives
// and DistributedDataParallel. Run as a world of one (no launcher) and under mpirun -np 2.
#include <grad/dist.h>
#include <grad/eager.h>
#include <grad/gradrt_mpi.h>

#include <cstdio>
#include <memory>
#include <vector>

int main() {
  grad::dist::init();
  const int r = grad::dist::rank(), n = grad::dist::world_size();
  bool ok = true;
  // Eager all-reduce: [r + 1, 1] summed -> [n (n + 1) / 2, n].
  grad::Tensor t = grad::tensor(std::vector<float>{float(r + 1), 1.f}, {2});
  grad::dist::all_reduce_(t, grad::dist::ReduceOp::Sum);
  std::vector<float> s = t.to_vector<float>();
  ok = ok && s[0] == float(n * (n + 1) / 2) && s[1] == float(n);
  // The compiled code's entry point in libgradrt_mpi: the max of the ranks.
  float m = float(r);
  gradrt_all_reduce_f32(&m, 1, GRAD_REDUCE_MAX);
  ok = ok && m == float(n - 1);
  // DDP: ranks seeded differently start equal; the gradient of sum(w * x_r) is mean_r x_r.
  auto model = std::make_shared<grad::nn::Sequential>(
      grad::nn::Linear(grad::nn::LinearOptions(1, 1).bias(false).seed(7 + r)));
  grad::dist::DistributedDataParallel ddp(model);
  grad::sum(ddp.forward(grad::tensor(std::vector<float>{float(r + 1)}, {1, 1}))).backward();
  const float g = model->parameters()[0].grad().item<float>();
  ok = ok && g == float(n + 1) / 2;
  if (r == 0)
    std::printf("dist ok: %d (world %d, sum %g %g, max %g, ddp grad %g)\n", ok, n, s[0], s[1], m,
                g);
  grad::dist::finalize();
  return ok ? 0 : 1;
}
