"""PyTorch side of bench/cnn_step: one training step (forward, cross-entropy loss, backward, Adam) of the network of
PyTorch's MNIST example (conv 32 3x3, relu, conv 64 3x3, relu, max-pool 2, dropout 0.25, linear 9216->128, relu,
dropout 0.5, linear 10) on a batch of 28x28 single-channel images, in float32 as PyTorch trains it.
Prints: net batch ms_median ms_min threads peak_rss_mib
Usage: /usr/bin/python3 bench/torch_cnn.py [--batch N] [--reps N] [--threads N] [--net mnist|lenet5]"""
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = self.dropout2(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


class LeNet5(nn.Module):
    """LeNet-5 as examples/cnn builds it: conv 6 5x5 pad 2, relu, max-pool 2, conv 16 5x5, relu, max-pool 2,
    linear 400->120, relu, linear 120->84, relu, linear 84->10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(F.relu(self.fc2(x)))


def main():
    args = sys.argv[1:]
    opt = {"--batch": "64", "--reps": "30", "--threads": "1", "--net": "mnist"}
    for i in range(0, len(args), 2):
        opt[args[i]] = args[i + 1]
    torch.set_num_threads(int(opt["--threads"]))
    torch.manual_seed(0)
    batch = int(opt["--batch"])
    net = MnistNet() if opt["--net"] == "mnist" else LeNet5()
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(int(opt["--reps"])):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(opt["--net"], batch, "%.3f" % times[len(times) // 2], "%.3f" % times[0], opt["--threads"], "%.1f" % rss)


if __name__ == "__main__":
    main()
