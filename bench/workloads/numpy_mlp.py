#!/usr/bin/python3
"""A small real training job for experiments and prediction checks: a one-hidden-layer MLP in
numpy on scikit-learn's digits (1,797 8x8 images, shipped by python3-sklearn), trained with
mini-batch SGD. Each epoch is a phase (epoch-1, epoch-2, ...) and reports validation accuracy,
loss, samples seen and validation samples over $POWERML_CONTROL, like any workload would.

usage: numpy_mlp.py [--epochs N] [--hidden H] [--repeat-data R] [--warmup-s S]
  --repeat-data R  train on R copies of the training set per epoch (longer epochs)
  --warmup-s S     busy work before the first epoch (a data-loading stand-in)
"""
import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_digits


def control(line):
    path = os.environ.get("POWERML_CONTROL")
    if path:
        with open(path, "w") as f:
            f.write(line + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--repeat-data", type=int, default=4)
    ap.add_argument("--warmup-s", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    digits = load_digits()
    x = digits.data.astype(np.float32) / 16.0
    y = digits.target
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    xt, yt, xv, yv = x[:split], y[:split], x[split:], y[split:]
    xt = np.concatenate([xt] * args.repeat_data)
    yt = np.concatenate([yt] * args.repeat_data)

    w1 = rng.normal(0, 0.1, (64, args.hidden)).astype(np.float32)
    b1 = np.zeros(args.hidden, np.float32)
    w2 = rng.normal(0, 0.1, (args.hidden, 10)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    control(f"metric epochs_total {args.epochs}")
    if args.warmup_s > 0:
        end = time.monotonic() + args.warmup_s
        while time.monotonic() < end:
            np.linalg.svd(rng.normal(size=(64, 64)))
    lr, batch = 0.1, 64
    for epoch in range(1, args.epochs + 1):
        control(f"begin epoch-{epoch}")
        perm = rng.permutation(len(xt))
        total_loss = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            xb, yb = xt[idx], yt[idx]
            h = np.maximum(xb @ w1 + b1, 0)
            logits = h @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            total_loss += -np.log(p[np.arange(len(yb)), yb] + 1e-9).sum()
            g = p
            g[np.arange(len(yb)), yb] -= 1
            g /= len(yb)
            gw2 = h.T @ g
            gh = g @ w2.T
            gh[h <= 0] = 0
            w2 -= lr * gw2
            b2 -= lr * g.sum(axis=0)
            w1 -= lr * (xb.T @ gh)
            b1 -= lr * gh.sum(axis=0)
        accuracy = float((np.argmax(np.maximum(xv @ w1 + b1, 0) @ w2 + b2, axis=1) == yv).mean())
        control(f"metric loss {total_loss / len(xt):.6f}")
        control(f"metric accuracy {accuracy:.6f}")
        control(f"metric samples {len(xt)}")
        control(f"metric val_samples {len(xv)}")
        control(f"end epoch-{epoch}")


if __name__ == "__main__":
    main()
