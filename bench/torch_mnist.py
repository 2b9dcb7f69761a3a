"""PyTorch counterpart of examples/mnist for the peak-RSS and time comparison of bench/run_mnist_rss.sh: the same
model (784-256-128-10, ReLU), Adam (lr 1e-3) with a cosine schedule, batch 128, shuffled each epoch, test accuracy
after every epoch. With --net cnn, the counterpart of examples/cnn (bench/run_cnn.sh): the network of PyTorch's MNIST
example (bench/torch_cnn.py's MnistNet), same optimizer and schedule, batch 64. Images are kept as uint8 and scaled to float x / 255 one batch at a time, as torchvision's
MNIST/FashionMNIST + ToTensor pipeline does (and as our example does), so neither side pays for a float copy of
the data set.
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_mnist.py [--epochs N] [--data-dir DIR]
Prints 'RESULT test_accuracy=... seconds=... peak_rss_mib=...'."""
import argparse
import gzip
import os
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(data_dir, split, kind):
    for suffix in ("", ".gz"):
        p = os.path.join(data_dir, f"{split}-{kind}-idx{3 if kind == 'images' else 1}-ubyte{suffix}")
        if os.path.exists(p):
            return p
    raise SystemExit(f"torch_mnist: no {split} {kind} file in {data_dir}")


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=15)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
parser.add_argument("--net", choices=["mlp", "cnn"], default="mlp")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

start = time.perf_counter()
train_x = read_idx(find(args.data_dir, "train", "images")).reshape(-1, 784)
train_y = torch.from_numpy(read_idx(find(args.data_dir, "train", "labels")).astype(np.int64))
test_x = read_idx(find(args.data_dir, "t10k", "images")).reshape(-1, 784)
test_y = torch.from_numpy(read_idx(find(args.data_dir, "t10k", "labels")).astype(np.int64))

if args.net == "cnn":
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_cnn import MnistNet
    model = torch.nn.Sequential(torch.nn.Unflatten(1, (1, 28, 28)), MnistNet())
else:
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs, eta_min=1e-5)
loss_fn = torch.nn.CrossEntropyLoss()


def batch_x(images, idx):
    return torch.from_numpy(images[idx]).float().div_(255.0)


acc = 0.0
n = train_x.shape[0]
for epoch in range(args.epochs):
    model.train()
    order = torch.randperm(n).numpy()
    for b in range(0, n, args.batch_size):
        idx = order[b:b + args.batch_size]
        opt.zero_grad()
        loss = loss_fn(model(batch_x(train_x, idx)), train_y[idx])
        loss.backward()
        opt.step()
    sched.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, test_x.shape[0], 1024):
            idx = np.arange(b, min(b + 1024, test_x.shape[0]))
            correct += (model(batch_x(test_x, idx)).argmax(1) == test_y[idx]).sum().item()
    acc = correct / test_x.shape[0]
    print(f"epoch {epoch + 1}/{args.epochs} test_acc {acc:.4f}", flush=True)
print(f"RESULT test_accuracy={acc:.4f} seconds={time.perf_counter() - start:.2f} peak_rss_mib={peak_rss_mib():.1f}")
