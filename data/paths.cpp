#include "data/paths.h"

#include <cstdlib>

#include "io/file.h"

#ifndef AD_DATA_SOURCE_DIR
#define AD_DATA_SOURCE_DIR "data"
#endif
#ifndef AD_DATA_INSTALL_DIR
#define AD_DATA_INSTALL_DIR "/usr/local/share/autodiff_cpp"
#endif

namespace ad::data {
namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}
}  // namespace

// The source tree when this library was built from one that still exists (a build directory, a subproject), else
// the installed copy (cmake --install puts data/sets in <prefix>/share/autodiff_cpp/sets).
std::string sets_dir() {
  const std::string source = AD_DATA_SOURCE_DIR "/sets";
  const std::string fallback = io::file_exists(source + "/README.md") ? source : AD_DATA_INSTALL_DIR "/sets";
  return env_or("AD_DATA_DIR", fallback);
}
std::string mnist_dir() { return env_or("AD_MNIST_DIR", AD_DATA_SOURCE_DIR "/mnist"); }
std::string fashion_mnist_dir() { return env_or("AD_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"); }

}  // namespace ad::data
