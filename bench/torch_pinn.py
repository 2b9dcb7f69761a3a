"""PyTorch side of bench/pinn_step: one loss-and-gradient evaluation of the same PINNs (forward, u_x and u_xx by
torch.autograd.grad with create_graph=True, the loss, backward to the weights), in double precision.
Prints: problem points ms_median ms_min threads
Usage: /usr/bin/python3 bench/torch_pinn.py [poisson|burgers]... [--reps N] [--threads N]"""
import math
import sys
import time

import torch

torch.set_default_dtype(torch.float64)


class ToUnitBox(torch.nn.Module):
    """2 (z - lo) / (hi - lo) - 1 per input column, as examples/pinn's make_tanh_mlp with bounds."""

    def __init__(self, lo, hi):
        super().__init__()
        lo, hi = torch.tensor(lo), torch.tensor(hi)
        self.a, self.b = 2.0 / (hi - lo), -1.0 - 2.0 * lo / (hi - lo)

    def forward(self, z):
        return z * self.a + self.b


def tanh_mlp(sizes, lo=None, hi=None):
    layers = [ToUnitBox(lo, hi)] if lo is not None else []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.xavier_normal_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i + 2 < len(sizes):
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def d(y, x):
    return torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)[0]


def poisson():
    net = tanh_mlp([1, 50, 50, 50, 1])
    x = (torch.rand(64, 1) * 2 - 1).requires_grad_(True)
    xb = torch.tensor([[-1.0], [1.0]])

    def evaluate():
        net.zero_grad(set_to_none=True)
        u = net(x)
        u_xx = d(d(u, x), x)
        r = -u_xx - math.pi ** 2 * torch.sin(math.pi * x)
        loss = (r * r).mean() + net(xb).pow(2).mean()
        loss.backward()
    return evaluate, 64


def burgers():
    nu = 0.01 / math.pi
    net = tanh_mlp([2, 20, 20, 20, 20, 20, 20, 20, 20, 1], [-1.0, 0.0], [1.0, 1.0])
    xt = torch.rand(10000, 2)
    xt[:, 0] = xt[:, 0] * 2 - 1
    xt.requires_grad_(True)
    xt_data = torch.rand(100, 2)
    u_data = torch.rand(100, 1)

    def evaluate():
        net.zero_grad(set_to_none=True)
        u = net(xt)
        du = d(u, xt)
        u_x, u_t = du.narrow(1, 0, 1), du.narrow(1, 1, 1)
        u_xx = d(u_x, xt).narrow(1, 0, 1)
        f = u_t + u * u_x - nu * u_xx
        e = net(xt_data) - u_data
        loss = (e * e).mean() + (f * f).mean()
        loss.backward()
    return evaluate, 10100


def main():
    args = sys.argv[1:]
    reps, threads, problems = 0, 1, []
    i = 0
    while i < len(args):
        if args[i] == "--reps":
            reps = int(args[i + 1]); i += 2
        elif args[i] == "--threads":
            threads = int(args[i + 1]); i += 2
        else:
            problems.append(args[i]); i += 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    for p in problems or ["poisson", "burgers"]:
        evaluate, points = {"poisson": poisson, "burgers": burgers}[p]()
        n = reps or (2000 if p == "poisson" else 60)
        for _ in range(5):
            evaluate()
        ms = []
        for _ in range(n):
            t0 = time.perf_counter()
            evaluate()
            ms.append((time.perf_counter() - t0) * 1e3)
        ms.sort()
        print(f"{p} {points} {ms[len(ms) // 2]:.4f} {ms[0]:.4f} {threads}")


if __name__ == "__main__":
    main()
