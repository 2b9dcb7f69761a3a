// Umbrella header for the neural-network toolkit: modules and layers, initialisers, losses, checkpoints.
// (The .npz format that checkpoints are written in is io/npz.h.)
#pragma once
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/init.h"
#include "nn/lambda.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/module.h"
#include "nn/pooling.h"
#include "nn/random_flip.h"
#include "nn/residual.h"
#include "nn/sequential.h"
#include "nn/summary.h"
