// Umbrella header: optimizers, gradient clipping and learning-rate schedulers (namespace ad::optim).
//
//   #include "optim/optim.h"
//   optim::AdamW opt(params, optim::AdamWOptions(1e-3).weight_decay(1e-2));
//   optim::CosineAnnealingLR sched(opt, /*T_max=*/epochs);
//   for (epoch ...) {
//     for (batch ...) { opt.zero_grad(); loss(batch).backward(); optim::clip_grad_norm_(params, 1.0); opt.step(); }
//     sched.step();
//   }
#pragma once
#include "optim/adagrad.h"
#include "optim/adagrad_momentum.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"
#include "optim/cosine_annealing_lr.h"
#include "optim/exponential_lr.h"
#include "optim/lbfgs.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "optim/reduce_lr_on_plateau.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "optim/step_lr.h"
