// Everything in data/: readers (CSV, IDX, the shipped data sets, MNIST), Dataset, DataLoader, splits, scalers,
// one-hot encoding. (Whole-file I/O is in io/.)
#pragma once
#include "data/breast_cancer.h"
#include "data/csv.h"
#include "data/dataset.h"
#include "data/digits.h"
#include "data/idx.h"
#include "data/kfold.h"
#include "data/loader.h"
#include "data/mnist.h"
#include "data/one_hot.h"
#include "data/paths.h"
#include "data/scaler.h"
#include "data/shuffle.h"
#include "data/split.h"
