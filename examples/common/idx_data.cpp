#include "examples/common/idx_data.h"

#include "io/file.h"

namespace examples {

bool has_idx_files(const std::string& dir) {
  for (const char* f :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (!ad::io::file_exists(dir + "/" + f) && !ad::io::file_exists(dir + "/" + f + ".gz")) return false;
  return true;
}

ad::data::Dataset head(const ad::data::Dataset& d, std::size_t limit) {
  if (limit == 0 || limit >= d.size()) return d;
  return d.subset(iota(limit));
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace examples
