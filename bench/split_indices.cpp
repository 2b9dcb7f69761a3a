// split_indices: prints the stratified train / validation / test split the digits and breast_cancer examples use for
// a seed, one "index,part" line per row of the shipped data set, so that another tool (bench/sklearn_compare.py)
// trains on exactly the same parts.
//
//   split_indices digits|breast_cancer SEED [VAL_FRACTION=0.16 TEST_FRACTION=0.2]
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "data/breast_cancer.h"
#include "data/digits.h"
#include "data/split.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::cerr << "usage: split_indices digits|breast_cancer SEED [VAL_FRACTION TEST_FRACTION]\n";
    return 2;
  }
  try {
    const std::string name = argv[1];
    if (name != "digits" && name != "breast_cancer") throw std::invalid_argument("unknown data set '" + name + "'");
    const ad::data::Dataset d = name == "digits" ? ad::data::load_digits() : ad::data::load_breast_cancer();
    const double val = argc == 5 ? std::stod(argv[3]) : 0.16, test = argc == 5 ? std::stod(argv[4]) : 0.2;
    // The call of data::train_val_test_split, which the examples use.
    const ad::data::SplitIndices idx = ad::data::split_indices(d.size(), d.labels, val, test, std::stoull(argv[2]));
    std::cout << "index,part\n";
    for (std::size_t i : idx.train) std::cout << i << ",train\n";
    for (std::size_t i : idx.validation) std::cout << i << ",validation\n";
    for (std::size_t i : idx.test) std::cout << i << ",test\n";
  } catch (const std::exception& e) {
    std::cerr << "split_indices: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
