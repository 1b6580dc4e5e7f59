// main() of the eager benchmark binaries: forces one thread (OpenBLAS, and libtorch when its peer
// is built in), runs the benchmarks with the console reporter, then prints for each pair
// BM_grad_<x> / BM_torch_<x> the ratio of their real times (the median when repetitions > 1).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "peer.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string name = run.run_name.str();
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") medians_[name] = run.GetAdjustedRealTime();
      } else {
        last_[name] = run.GetAdjustedRealTime();
        units_[name] = benchmark::GetTimeUnitString(run.time_unit);
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    bool header = false;
    for (const auto& [name, grad_time] : times()) {
      const std::string::size_type at = name.find("_grad_");
      if (at == std::string::npos) continue;
      std::string peer = name;
      peer.replace(at, 6, "_torch_");
      auto it = times().find(peer);
      if (it == times().end()) continue;
      if (!header) {
        std::printf("\n%-44s %12s %12s %8s\n", "grad vs libtorch (real time)", "grad",
                    "libtorch", "ratio");
        header = true;
      }
      const std::string& unit = units_[name];
      std::printf("%-44s %9.3f %-2s %9.3f %-2s %8.3f\n", name.substr(at + 6).c_str(), grad_time,
                  unit.c_str(), it->second, units_[peer].c_str(), grad_time / it->second);
    }
    if (header) std::printf("(ratio < 1: grad is faster)\n");
  }

 private:
  // Medians when the run had repetitions, else the single measurement.
  const std::map<std::string, double>& times() const {
    return medians_.empty() ? last_ : medians_;
  }
  std::map<std::string, double> last_, medians_;
  std::map<std::string, std::string> units_;
};

}  // namespace

int main(int argc, char** argv) {
  // One thread everywhere: the comparison is per-core work, not threading.
  openblas_set_num_threads(1);
#ifdef GRAD_BENCH_HAVE_TORCH
  bench::init_libtorch_peer();
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
