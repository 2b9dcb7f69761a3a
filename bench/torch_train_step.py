"""PyTorch side of bench/train_step: the same five configurations, one step = zero_grad + forward + loss + backward +
Adam step, float32 ReLU MLPs with CrossEntropyLoss (config e: BCEWithLogitsLoss). Same output table as train_step.
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_train_step.py [--threads N] [config...]
(default 1 torch thread, its best setting on this VM; OpenBLAS threads follow OPENBLAS_NUM_THREADS)."""
import argparse
import resource
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
parser.add_argument("configs", nargs="*", help="subset of a b c d e (default all)")
args = parser.parse_args()
torch.set_num_threads(args.threads)

print(f"# PyTorch {torch.__version__}, {torch.get_num_threads()} torch threads")
print(f"{'config':<6} {'widths':<22} {'batch':>6} {'ms/step':>10} {'samples/s':>12} {'GFLOP/s':>9} {'RSS MiB':>10}")
for name, widths, batch in CONFIGS:
    if args.configs and name not in args.configs:
        continue
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
    inner = max(1, int(2e8 / flops))
    for _ in range(min(inner, 20)):
        step()
    trials = []
    for _ in range(5):
        s = time.perf_counter()
        for _ in range(inner):
            step()
        trials.append((time.perf_counter() - s) * 1e3 / inner)
    ms = statistics.median(trials)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    w = "-".join(str(v) for v in widths)
    print(f"{name:<6} {w:<22} {batch:>6} {ms:>10.4f} {batch / ms * 1e3:>12.0f} {flops / ms / 1e6:>9.1f} {rss:>10.1f}")
