// Regression mode for the fuzz harnesses, without libFuzzer: runs every file of the given directories (or the given
// files) through LLVMFuzzerTestOneInput once, in name order, and prints how many inputs ran. A harness reports a
// finding by aborting, so reaching the end means every input passed. Builds with g++ (CI) as well as clang.
//
//   fuzz_replay_csv tests/fuzz/corpus/csv            # the whole corpus
//   fuzz_replay_csv crash-1234abcd                   # one input, e.g. a crash found by the fuzzer
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      for (const auto& e : fs::directory_iterator(arg))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", arg.c_str());
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());  // a fixed order, so a failure is reproducible
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs found: an empty corpus checks nothing\n");
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  for (const fs::path& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot open\n", p.c_str());
      return 2;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // Printed before the run, so the input that crashes is the last one named.
    std::fprintf(stderr, "running %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu inputs ran without a finding in %.2f s\n", inputs.size(), seconds);
  return 0;
}
