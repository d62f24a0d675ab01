#!/usr/bin/python3
"""Mixed-precision training fixtures: PyTorch's CPU autocast (bfloat16) driving a small model.

Writes nn/src/test/resources/oracle-autocast/<case>.safetensors, read by
dev.jgrad.nn.AutocastTrajectoryTest. Each case trains a two-layer perceptron
(Linear 12->32, ReLU, Linear 32->5, cross-entropy) with Adam for a few steps,
the forward pass and the loss under torch.autocast("cpu", dtype=torch.bfloat16)
and backward and the step outside it, as PyTorch's recipe has it. The file holds:

    init.<param>          the float32 parameters before the first step
    x, y                  the batches, [steps, batch, 12] float32 and [steps, batch] int64
    loss                  the loss of every step (float32, computed under autocast)
    logits0               the first step's logits (bfloat16, as autocast leaves them)
    grad1.<param>         the gradients of the first step (float32, through the casts)
    step<k>.<param>       the float32 master parameters after step k (k = 1, steps/2, steps)
    float32_loss          the same run without autocast, to show the two differ

torch 1.13's CPU autocast supports bfloat16 only, so there is no float16 case.

Usage:
    /usr/bin/python3 tools/oracle/generate_autocast.py            # write
    /usr/bin/python3 tools/oracle/generate_autocast.py --verify   # regenerate in memory, compare
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_half  # noqa: E402  (sets ATEN_CPU_CAPABILITY=default before torch loads; its writer)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "nn", "src", "test", "resources", "oracle-autocast")

CASES = {
    # name: (optimizer, keyword arguments, steps, batch)
    "mlp_adam_bf16": ("adam", {"lr": 1e-2}, 8, 16),
    "mlp_sgd_momentum_bf16": ("sgd", {"lr": 0.1, "momentum": 0.9}, 8, 16),
}


def model(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(12, 32), torch.nn.ReLU(), torch.nn.Linear(32, 5))


def names(m):
    # jgrad's Sequential names its children 0, 1, 2 as PyTorch's does
    return [n for n, _ in m.named_parameters()]


def train(opt_name, kwargs, xs, ys, autocast, seed):
    m = model(seed)
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[opt_name](m.parameters(), **kwargs)
    losses, snapshots, first_logits = [], {}, None
    steps = xs.shape[0]
    for k in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            logits = m(xs[k])
            loss = F.cross_entropy(logits, ys[k])
        if k == 0:
            first_logits = logits.detach().clone()
        assert loss.dtype == torch.float32
        loss.backward()
        if k == 0:
            for n, p in m.named_parameters():
                snapshots["grad1." + n] = p.grad.detach().clone()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
        if k + 1 in (1, steps // 2, steps):
            for n, p in m.named_parameters():
                snapshots["step%d.%s" % (k + 1, n)] = p.detach().clone()
    return losses, snapshots, first_logits


def case_bytes(name):
    opt_name, kwargs, steps, batch = CASES[name]
    seed = 1000 + sorted(CASES).index(name)
    g = torch.Generator().manual_seed(seed)
    xs = torch.randn(steps, batch, 12, generator=g)
    ys = torch.randint(0, 5, (steps, batch), generator=g)
    init = [("init." + n, p.detach().clone()) for n, p in model(seed).named_parameters()]
    losses, snaps, logits0 = train(opt_name, kwargs, xs, ys, True, seed)
    fp32_losses, _, _ = train(opt_name, kwargs, xs, ys, False, seed)
    assert logits0.dtype == torch.bfloat16
    tensors = init + [("x", xs), ("y", ys), ("loss", torch.tensor(losses, dtype=torch.float32)),
                      ("logits0", logits0), ("float32_loss", torch.tensor(fp32_losses, dtype=torch.float32))]
    tensors += sorted(snaps.items())
    meta = {"optimizer": opt_name, "kwargs": ",".join("%s=%r" % kv for kv in sorted(kwargs.items())),
            "steps": str(steps), "batch": str(batch), "autocast": "cpu bfloat16", "torch": torch.__version__}
    return generate_half.safetensors_bytes(tensors, meta)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="regenerate in memory and compare with the files")
    args = ap.parse_args()
    torch.set_num_threads(1)
    files = {os.path.join(OUT_DIR, name + ".safetensors"): case_bytes(name) for name in sorted(CASES)}
    sys.exit(generate_half.write_or_verify(files, args.verify))

if __name__ == "__main__":
    main()
