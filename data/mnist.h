// MNIST and Fashion-MNIST: 28 x 28 grey-scale images in 10 classes, 60,000 for training ("train") and 10,000 for
// testing ("t10k"), each split stored as a pair of IDX files (data/idx.h):
//   <dir>/<split>-images-idx3-ubyte[.gz]   magic 0x00000803, N x 28 x 28 bytes, 0 = background, 255 = ink
//   <dir>/<split>-labels-idx1-ubyte[.gz]   magic 0x00000801, N bytes 0..9
//
// Pixels are scaled to [0, 1] by x / 255 (the fixed range of the format, so every split gets the same scaling).
// MNIST itself: scripts/download-mnist.sh fetches and verifies the four files; Fashion-MNIST comes with the Debian
// package dataset-fashion-mnist (see data/paths.h for the default directories).
#pragma once
#include <string>

#include "data/dataset.h"

namespace ad::data {

// X (N, 784) floats in [0, 1], labels 0..9, class_names "0".."9", image_height = image_width = 28.
// split is "train" or "t10k" ("test" is accepted for "t10k"). IOError naming the file when it is missing or damaged
// (see read_idx), is not 28 x 28, when the two files disagree on the number of examples, or a label is not 0..9.
// With PixelStorage::Bytes the pixels stay bytes (Dataset::bytes, X undefined; a quarter of the memory) and become
// the same floats x / 255 only in each mini-batch (Dataset::rows, DataLoader).
enum class PixelStorage { Float, Bytes };
Dataset load_mnist(const std::string& dir, const std::string& split = "train",
                   PixelStorage storage = PixelStorage::Float);
// The same files for Fashion-MNIST, with its class names ("T-shirt/top", "Trouser", ..., "Ankle boot").
Dataset load_fashion_mnist(const std::string& dir, const std::string& split = "train",
                           PixelStorage storage = PixelStorage::Float);

// Any pair of IDX files: images (N, rows, cols) and labels (N). X is (N, rows * cols) scaled by 1/255 (or the
// bytes, see PixelStorage), labels are the raw bytes. IOError naming both files when the counts differ.
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         PixelStorage storage = PixelStorage::Float);

}  // namespace ad::data
