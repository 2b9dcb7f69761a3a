#include "data/mnist.h"

#include "autodiff/error.h"
#include "data/idx.h"
#include "data/paths.h"
#include "io/file.h"

namespace ad::data {
namespace {

// Rethrows an IOError of read_idx, load_idx_dataset under the name of the function the caller called:
// "read_idx: 'x': ..." becomes "load_mnist: 'x': ...".
[[noreturn]] void rethrow_as(const char* op, const IOError& e) {
  const std::string m = e.what();
  const std::size_t colon = m.find(": ");
  throw IOError(std::string(op) + (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

// The file of one split, compressed or not, under the official name ("t10k-images-idx3-ubyte") or the variant
// with a dot ("t10k-images.idx3-ubyte") that some archives use.
std::string find_file(const char* op, const std::string& dir, const std::string& split, const std::string& kind,
                      const std::string& idx) {
  const std::string official = dir + "/" + split + "-" + kind + "-" + idx + "-ubyte";
  const std::string dotted = dir + "/" + split + "-" + kind + "." + idx + "-ubyte";
  for (const std::string& c : {official + ".gz", official, dotted + ".gz", dotted})
    if (io::file_exists(c)) return c;
  throw IOError(std::string(op) + ": no " + split + " " + kind + " file in '" + dir + "' (looked for '" + official +
                ".gz' and variants); scripts/download-mnist.sh downloads MNIST");
}

std::string canonical_split(const char* op, const std::string& split) {
  if (split == "train" || split == "t10k") return split;
  if (split == "test") return "t10k";
  throw ValueError(std::string(op) + ": split must be \"train\" or \"t10k\", not \"" + split + "\"");
}

Dataset load_mnist_like(const char* op, const std::string& dir, const std::string& split_name, PixelStorage storage) {
  const std::string split = canonical_split(op, split_name);
  const std::string images = find_file(op, dir, split, "images", "idx3");
  const std::string labels = find_file(op, dir, split, "labels", "idx1");
  Dataset d;
  try {
    d = load_idx_dataset(images, labels, storage);
  } catch (const IOError& e) {
    rethrow_as(op, e);
  }
  if (d.image_height != 28 || d.image_width != 28)
    throw IOError(std::string(op) + ": '" + images + "': images are " + std::to_string(d.image_height) + " x " +
                  std::to_string(d.image_width) + ", expected 28 x 28");
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] > 9)
      throw IOError(std::string(op) + ": '" + labels + "': label " + std::to_string(d.labels[i]) + " of example " +
                    std::to_string(i) + " is not 0..9");
  return d;
}

}  // namespace

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, PixelStorage storage) {
  IdxArray images = read_idx(images_path, 3);
  const IdxArray labels = read_idx(labels_path, 1);
  const std::size_t n = images.dims[0];
  if (labels.dims[0] != n)
    throw IOError("load_idx_dataset: label/image count mismatch: '" + images_path + "' has " + std::to_string(n) +
                  " images, '" + labels_path + "' has " + std::to_string(labels.dims[0]) + " labels");
  Dataset d;
  d.image_height = images.dims[1];
  d.image_width = images.dims[2];
  d.labels.assign(labels.values.begin(), labels.values.end());
  if (storage == PixelStorage::Bytes) {
    d.byte_row_length = d.image_height * d.image_width;
    d.byte_divisor = 255.0f;
    d.bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(images.values));
    return d;
  }
  d.X = Tensor::empty({n, d.image_height * d.image_width});
  float* x = d.X.mutable_data();
  // Multiplying by the float nearest 1/255 can differ from x / 255 in the last bit; dividing keeps 255 -> exactly 1.
  for (std::size_t i = 0; i < images.values.size(); ++i) x[i] = static_cast<float>(images.values[i]) / 255.0f;
  return d;
}

Dataset load_mnist(const std::string& dir, const std::string& split, PixelStorage storage) {
  Dataset d = load_mnist_like("load_mnist", dir, split, storage);
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  return d;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split, PixelStorage storage) {
  Dataset d = load_mnist_like("load_fashion_mnist", dir, split, storage);
  d.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return d;
}

}  // namespace ad::data
