// Where the data sets live by default, so that examples run from any working directory.
//
//   sets_dir()   the data sets shipped with the library (breast_cancer.csv, digits.csv.gz): $AD_DATA_DIR when set,
//                else the data/sets folder of the source tree this library was built from, else the installed
//                copy (<prefix>/share/autodiff_cpp/sets);
//   mnist_dir()  the four MNIST IDX files: $AD_MNIST_DIR when set, else data/mnist in the source tree (where
//                scripts/download-mnist.sh puts them by default);
//   fashion_mnist_dir()  $AD_FASHION_MNIST_DIR when set, else /usr/share/datasets/fashion-mnist (Debian package
//                dataset-fashion-mnist).
#pragma once
#include <string>

namespace ad::data {

std::string sets_dir();
std::string mnist_dir();
std::string fashion_mnist_dir();

}  // namespace ad::data
