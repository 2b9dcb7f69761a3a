#!/usr/bin/python3
"""Side by side with scikit-learn: MLPClassifier and our examples on the same digits and breast-cancer splits.

For each seed, bench/split_indices gives the train / validation / test split the examples use; the examples run
with their default settings (build/examples/digits, build/examples/breast_cancer); scikit-learn's MLPClassifier
gets the same architecture, optimiser settings, batch size and protocol: standardised features (statistics of the
training part), one partial_fit per epoch, the epoch of lowest validation log-loss chosen with the same patience,
then a refit on training + validation for that many epochs, and the test part evaluated once.

Differences that scikit-learn does not let us remove: its L2 penalty `alpha` is added to the mean batch loss as
alpha / (2 batch) * ||W||^2 and spares the biases (we set alpha = weight_decay * batch_size, the same coupled L2 on
the weights); it has no AdamW and no cosine schedule (breast cancer: adam with a constant rate and the default
alpha 1e-4); its initialisation is Glorot-uniform (ours: PyTorch's Linear default).

Usage: bench/run_sklearn.sh [build_dir]   (or: sklearn_compare.py BUILD_DIR [SEEDS=1-10])
"""
import csv
import gzip
import io
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = os.path.join(HERE, "..", "data", "sets")

# The examples' defaults (examples/digits.cpp, examples/breast_cancer.cpp).
CONFIGS = {
    "digits": dict(hidden=(512,), lr=1e-3, batch=32, alpha=3e-4 * 32, epochs=300, patience=60),
    "breast_cancer": dict(hidden=(128,), lr=1e-3, batch=16, alpha=1e-4, epochs=200, patience=20),
}


def load(name):
    if name == "digits":
        with gzip.open(os.path.join(SETS, "digits.csv.gz"), "rt") as f:
            a = np.loadtxt(f, delimiter=",")
    else:
        a = np.loadtxt(os.path.join(SETS, "breast_cancer.csv"), delimiter=",", skiprows=1)
    return a[:, :-1], a[:, -1].astype(int)


def split(build, name, seed):
    out = subprocess.run([os.path.join(build, "bench", "split_indices"), name, str(seed)], check=True,
                         capture_output=True, text=True).stdout
    parts = {"train": [], "validation": [], "test": []}
    for row in csv.DictReader(io.StringIO(out)):
        parts[row["part"]].append(int(row["index"]))
    return parts


def sklearn_run(X, y, parts, cfg, seed):
    classes = np.unique(y)
    scaler = StandardScaler().fit(X[parts["train"]])
    tr, va, te = (scaler.transform(X[parts[p]]) for p in ("train", "validation", "test"))
    ytr, yva, yte = (y[parts[p]] for p in ("train", "validation", "test"))

    def model():
        return MLPClassifier(hidden_layer_sizes=cfg["hidden"], activation="relu", solver="adam",
                             learning_rate_init=cfg["lr"], batch_size=cfg["batch"], alpha=cfg["alpha"],
                             shuffle=True, random_state=seed)

    start = time.perf_counter()
    m, best, best_epoch, wait = model(), np.inf, 0, 0
    for epoch in range(1, cfg["epochs"] + 1):  # one pass over the training part per partial_fit
        m.partial_fit(tr, ytr, classes)
        loss = log_loss(yva, m.predict_proba(va), labels=classes)
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= cfg["patience"]:
                break
    refit = model()
    both, yboth = np.vstack([tr, va]), np.concatenate([ytr, yva])
    for _ in range(best_epoch):
        refit.partial_fit(both, yboth, classes)
    seconds = time.perf_counter() - start
    acc = float((refit.predict(te) == yte).mean())
    auc = roc_auc_score(yte, refit.predict_proba(te)[:, 1]) if len(classes) == 2 else float("nan")
    return acc, auc, seconds, best_epoch


def ours(build, name, seed):
    with tempfile.TemporaryDirectory() as out:
        text = subprocess.run([os.path.join(build, "examples", name), "--seed", str(seed), "--out", out,
                               "--progress", "lines"], check=True, capture_output=True, text=True).stdout
    result = [l for l in text.splitlines() if l.startswith("RESULT ")][-1]
    kv = dict(item.split("=") for item in result.split()[1:])
    return float(kv["test_accuracy"]), float(kv.get("auc", "nan")), float(kv["seconds"]), int(float(kv["best_epoch"]))


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
    lo, hi = (int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "1-10").split("-"))
    seeds = range(lo, hi + 1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    cpu = subprocess.run([os.path.join(HERE, "cpu_model.sh")], capture_output=True, text=True).stdout.strip()
    import sklearn
    print(f"# scikit-learn {sklearn.__version__} vs this library, seeds {lo}-{hi}, {cpu}")
    print(f"# OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print("data set        model          test acc (mean, min-max)   ROC AUC   chosen epochs   seconds per run")
    for name, cfg in CONFIGS.items():
        X, y = load(name)
        rows = {"this library": [], "scikit-learn": []}
        for seed in seeds:
            parts = split(build, name, seed)
            rows["this library"].append(ours(build, name, seed))
            rows["scikit-learn"].append(sklearn_run(X, y, parts, cfg, seed))
        for who, r in rows.items():
            a = np.array(r)
            auc = "" if np.isnan(a[:, 1]).all() else f"{a[:, 1].mean():.4f}"
            print(f"{name:15s} {who:14s} {100 * a[:, 0].mean():6.2f}% ({100 * a[:, 0].min():.2f}-"
                  f"{100 * a[:, 0].max():.2f})      {auc:9s} {a[:, 3].mean():8.1f}      {a[:, 2].mean():10.2f}")


if __name__ == "__main__":
    main()
