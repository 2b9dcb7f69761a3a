// The Wisconsin Diagnostic Breast Cancer data set (UCI; CC BY 4.0), shipped in data/sets/breast_cancer.csv:
// 569 tumours, 30 real-valued features each (mean, standard error and worst value of ten measurements of the cell
// nuclei in a digitised image), and the diagnosis: label 0 = malignant (212), 1 = benign (357).
// data/sets/breast_cancer.rst describes it.
//
// File layout (scikit-learn's): a first line "569,30,malignant,benign" (rows, features, class names), then one row
// per tumour, 30 features followed by the label. The features differ in scale by four orders of magnitude (area
// ~1000, smoothness ~0.1): standardise them (data::StandardScaler) before gradient descent.
#pragma once
#include <string>

#include "data/dataset.h"

namespace ad::data {

// X (569, 30), labels 0/1, class_names {"malignant", "benign"}, feature_names such as "radius (mean)".
// IOError naming the file when it does not have the layout above (header, row count, 31 columns, 0/1 labels).
Dataset load_breast_cancer(const std::string& path);
Dataset load_breast_cancer();  // from sets_dir()

}  // namespace ad::data
