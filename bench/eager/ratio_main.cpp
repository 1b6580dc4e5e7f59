// main() of the eager benchmark binaries: forces one thread (OpenBLAS, and libtorch when its peer
// is built in), runs the benchmarks with the console reporter, then prints for each pair
// BM_grad_<x> / BM_torch_<x> the ratios of their real and CPU times (medians when repetitions
// > 1). On a shared machine the CPU-time ratio is the steadier one: both sides run one thread.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "grad/threads.h"
#include "peer.h"



namespace {

class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred)
        continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median)
        continue;
      Times& t = (median ? medians_ : last_)[run.run_name.str()];
      t = {run.GetAdjustedRealTime(), run.GetAdjustedCPUTime(),
           benchmark::GetTimeUnitString(run.time_unit)};
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    // Medians when the run had repetitions, else the single measurements.
    const std::map<std::string, Times>& times = medians_.empty() ? last_ : medians_;
    bool header = false;
    for (const auto& [name, g] : times) {
      const std::string::size_type at = name.find("_grad_");
      if (at == std::string::npos)
        continue;
      std::string peer = name;
      peer.replace(at, 6, "_torch_");
      auto it = times.find(peer);
      if (it == times.end())
        continue;
      const Times& t = it->second;
      if (!header) {
        std::printf("\ngrad vs libtorch (%s)\n%-32s %12s %12s %7s %12s %12s %7s\n",
                    medians_.empty() ? "one run each" : "medians of the repetitions", "benchmark",
                    "grad real", "torch real", "ratio", "grad cpu", "torch cpu", "ratio");
        header = true;
      }
      std::printf("%-32s %9.3f %-2s %9.3f %-2s %7.3f %9.3f %-2s %9.3f %-2s %7.3f\n",
                  name.substr(at + 6).c_str(), g.real, g.unit, t.real, t.unit, g.real / t.real,
                  g.cpu, g.unit, t.cpu, t.unit, g.cpu / t.cpu);
    }
    if (header)
      std::printf("(ratio = grad / libtorch; below 1: grad is faster)\n");
  }

private:
  struct Times {
    double real = 0, cpu = 0;
    const char* unit = "";
  };
  std::map<std::string, Times> last_, medians_;
};

} // namespace

int main(int argc, char** argv) {
  // One thread everywhere: the comparison is per-core work, not threading. libtorch reaches
  // OpenBLAS through Debian's libblas.so.3, a second OpenBLAS instance with its own thread pool
  // that grad::set_num_threads() below does not reach, and both pools are sized from the
  // environment when the libraries load: so set the environment and re-execute once.
  const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (!(blas && std::string(blas) == "1" && omp && std::string(omp) == "1")) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    std::perror("execv /proc/self/exe (continuing without the one-thread environment)");
  }
  grad::set_num_threads(1); // grad's kernels and its OpenBLAS
#ifdef GRAD_BENCH_HAVE_TORCH
  bench::init_libtorch_peer();
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
