#include "data/paths.h"

#include <sys/stat.h>

#include <cstdlib>

#ifndef AD_DATA_SOURCE_DIR
#define AD_DATA_SOURCE_DIR "data"
#endif

namespace ad::data {
namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}
}  // namespace

std::string sets_dir() { return env_or("AD_DATA_DIR", AD_DATA_SOURCE_DIR "/sets"); }
std::string mnist_dir() { return env_or("AD_MNIST_DIR", AD_DATA_SOURCE_DIR "/mnist"); }
std::string fashion_mnist_dir() { return env_or("AD_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"); }

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace ad::data
