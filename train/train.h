// Everything in train/: fit / evaluate / predict and their callbacks, metrics (accuracy, confusion matrix, precision /
// recall / F1, ROC AUC, MSE, R^2), the progress display, the per-epoch History and its CSV log.
#pragma once
#include "train/accuracy.h"
#include "train/callbacks.h"
#include "train/confusion_matrix.h"
#include "train/csv_log.h"
#include "train/fit.h"
#include "train/format.h"
#include "train/history.h"
#include "train/predictions.h"
#include "train/progress.h"
#include "train/regression_metrics.h"
#include "train/roc_auc.h"
