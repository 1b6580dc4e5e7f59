//===- FuzzReplay.cpp - run a fuzz target's entry point over files --------===//
//
// The normal build links each fuzz target's LLVMFuzzerTestOneInput with this main instead of
// libFuzzer's: `fuzz_<target> PATH...` runs the entry once per file (directories are walked
// recursively, in sorted order) without mutating anything. ctest uses it to replay the corpora
// and crash reproducers under fuzz/corpus/<target> (and the seed directories of the tests) as
// regression tests; a crash, a sanitizer report or an uncaught exception fails the test.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv) {
  namespace fs = std::filesystem;
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto &entry : fs::recursive_directory_iterator(p))
        if (entry.is_regular_file())
          files.push_back(entry.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path &path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  }
  std::printf("%s: ran %zu inputs\n", argv[0], files.size());
  return files.empty() ? 2 : 0;
}
