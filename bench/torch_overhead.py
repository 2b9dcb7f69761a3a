"""PyTorch side of bench/tape_overhead: the same chain of tiny elementwise ops, forward + backward, ns per op.
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_overhead.py [chain_length] [repetitions]"""
import statistics
import sys
import time

import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
torch.set_num_threads(1)
x = torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
a = torch.ones(4, requires_grad=True)
b = torch.zeros(4, requires_grad=True)


def chain():
    y = x
    for i in range(n):
        y = y * a if i % 2 else y + b
    return y


def timed(f):
    t = []
    for r in range(reps + 2):
        s = time.perf_counter()
        f()
        if r >= 2:
            t.append((time.perf_counter() - s) * 1e9 / n)
    return statistics.median(t)


def fwd_bwd():
    chain().sum().backward()


def no_grad():
    with torch.no_grad():
        chain()


fb = timed(fwd_bwd)
ng = timed(no_grad)
print(f"# PyTorch {torch.__version__}, chain of {n} ops on 4-element tensors, median of {reps} runs")
print(f"{'tensor-tensor ops, forward + backward':44s} {fb:8.1f} ns/op")
print(f"{'tensor-tensor ops, no_grad (not recorded)':44s} {ng:8.1f} ns/op")
print(f"RESULT fwd_bwd_ns_per_op={fb:.1f} nograd_ns_per_op={ng:.1f}")
