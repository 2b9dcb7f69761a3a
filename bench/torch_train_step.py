"""PyTorch side of bench/train_step: the same five configurations, one step = zero_grad + forward + loss + backward +
Adam step, float32 ReLU MLPs with CrossEntropyLoss (config e: BCEWithLogitsLoss). Same output table as train_step.
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_train_step.py [--threads N] [config...]
(default 1 torch thread, its best setting on this VM; OpenBLAS threads follow OPENBLAS_NUM_THREADS)."""
import argparse
import gc
import statistics
import time

import torch

CONFIGS = [("a", [784, 128, 10], 64),
           ("b", [784, 256, 256, 10], 128),
           ("c", [784, 1024, 1024, 10], 256),
           ("d", [64, 50, 10], 32),
           ("e", [30, 16, 1], 32)]

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
parser.add_argument("--scaling", action="store_true",
                    help="the scaling grid of train_step --scaling: B32 ... B1024, W64 ... W2048")
parser.add_argument("configs", nargs="*", help="subset of a b c d e (default all)")
args = parser.parse_args()
if args.scaling:
    CONFIGS = ([(f"B{b}", [784, 256, 256, 10], b) for b in (32, 64, 128, 256, 512, 1024)] +
               [(f"W{w}", [784, w, w, 10], 128) for w in (64, 128, 256, 512, 1024, 2048)])
torch.set_num_threads(args.threads)

print(f"# PyTorch {torch.__version__}, {torch.get_num_threads()} torch threads")
print(f"{'config':<6} {'widths':<22} {'batch':>6} {'ms/step':>10} {'samples/s':>12} {'GFLOP/s':>9} {'RSS MiB':>10}")


def peak_rss_mib():
    """VmHWM of this process in MiB (the peak resident set size since the last reset_peak_rss)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak_rss():
    """Resets VmHWM to the current RSS, so each configuration reports its own peak (as train_step does)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


for name, widths, batch in CONFIGS:
    if args.configs and name not in args.configs:
        continue
    gc.collect()
    reset_peak_rss()
    torch.manual_seed(0)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    out = widths[-1]
    x = torch.randn(batch, widths[0])
    if out == 1:
        target = torch.rand(batch, 1)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        target = torch.arange(batch) % out
        loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()

    # Same FLOP count as train_step: forward x W (2 b n m), backward dW and dx (except the first layer's dx).
    flops = 0.0
    for i in range(len(widths) - 1):
        f = 2.0 * batch * widths[i] * widths[i + 1]
        flops += 2 * f if i == 0 else 3 * f
    # Same timing as bench::time_pair: warm-up, trials of ~50 ms, median of 11.
    for _ in range(3):
        step()
    s = time.perf_counter()
    for _ in range(5):
        step()
    inner = max(1, int(50.0 / max((time.perf_counter() - s) * 1e3 / 5, 1e-4)))
    trials = []
    for _ in range(11):
        s = time.perf_counter()
        for _ in range(inner):
            step()
        trials.append((time.perf_counter() - s) * 1e3 / inner)
    ms = statistics.median(trials)
    rss = peak_rss_mib()
    w = "-".join(str(v) for v in widths)
    print(f"{name:<6} {w:<22} {batch:>6} {ms:>10.4f} {batch / ms * 1e3:>12.0f} {flops / ms / 1e6:>9.1f} {rss:>10.1f}")
