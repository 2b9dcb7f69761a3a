// Umbrella header: the Tensor, its ops, the tape controls, gradients as tensors (grad.h) and gradient checking.
#pragma once
#include "autodiff/conv.h"
#include "autodiff/error.h"
#include "autodiff/function.h"
#include "autodiff/functional.h"
#include "autodiff/grad.h"
#include "autodiff/gradcheck.h"
#include "autodiff/random.h"
#include "autodiff/tape.h"
#include "autodiff/tensor.h"
