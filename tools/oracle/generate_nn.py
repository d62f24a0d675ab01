#!/usr/bin/python3
"""PyTorch oracle fixtures for jgrad's nn module.

What it does
------------
Runs PyTorch's own modules, losses, optimizers and LR schedulers (float64
throughout) on small deterministic inputs and writes what they produce to

    nn/src/test/resources/oracle-nn/<group>/<name>.safetensors

with <group> one of layers, losses, optim, schedulers.  The Java tests in
nn/src/test/java (LayerOracleTest, LossOracleTest, OptimizerOracleTest,
SchedulerOracleTest) read those files and check jgrad against them; they never
run Python.

How to run (from the repository root)
-------------------------------------
    /usr/bin/python3 tools/oracle/generate_nn.py            # (re)write all fixtures
    /usr/bin/python3 tools/oracle/generate_nn.py --verify   # re-read and check them
    /usr/bin/python3 tools/oracle/generate_nn.py --only layers/linear,optim/adam

Use /usr/bin/python3 (Debian's python3-torch 1.13 and python3-numpy).

Determinism
-----------
Every file draws from its own torch.Generator seeded with the CRC32 of
"<group>/<name>", and torch runs single-threaded, so two runs write
byte-identical files and changing one file's cases leaves the others alone.
--verify re-parses every file with the independent reader of generate.py
(header, alignment, offsets tiling the buffer), checks that all floats are
finite, then regenerates the file in memory and requires identical metadata
and bit-identical tensors.

The file format is generate.py's (see tools/oracle/README.md); this script
imports its writer and reader.  Metadata: {"group", "name", "cases",
"case<i>": JSON params}.  The tensors of each group are described in the
README, section "nn fixtures".
"""

import argparse
import copy
import hashlib
import json
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import Rand, read_safetensors, write_safetensors  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "nn", "src", "test", "resources", "oracle-nn")

F64 = torch.float64
I64 = torch.int64


def seed_for(key):
    return zlib.crc32(key.encode("utf-8"))


def dumps(params):
    return json.dumps(params, separators=(",", ":"))


# =============================================================================
# Layers
# =============================================================================
#
# A case is {"module": <config>, "train": bool, "input": "float" | "index"}.
# Configs are plain JSON that both this script and the Java test turn into a
# module:
#   {"type": "Linear", "in", "out", "bias"}
#   {"type": "Conv2d", "in", "out", "kernel": [h, w], "stride", "padding",
#    "dilation": [h, w], "groups", "bias"}
#   {"type": "GroupNorm", "groups", "channels", "eps", "affine"}
#   {"type": "Upsample", "size": [...] | null, "scale_factor": [...] | null, "mode", "align_corners" (linear modes only)}
#   {"type": "Identity"}
#   {"type": "MaxPool2d", "kernel", "stride" (null = kernel), "padding", "dilation": [h, w], "ceil_mode"}
#   {"type": "AvgPool2d", "kernel", "stride" (null = kernel), "padding": [h, w], "ceil_mode", "count_include_pad"}
#   {"type": "Flatten", "start", "end"}
#   {"type": "Dropout", "p"}
#   {"type": "BatchNorm1d" | "BatchNorm2d", "channels"}
#   {"type": "LayerNorm", "shape": [...], "eps", "affine"}
#   {"type": "Embedding", "num", "dim", "padding_idx" (optional)}
#   {"type": "ReLU" | "Sigmoid" | "Tanh" | "GELU"}
#   {"type": "LeakyReLU", "slope"}
#   {"type": "Softmax" | "LogSoftmax", "dim"}
#   {"type": "Sequential", "layers": [<config>, ...]}
#   {"type": "Conv1d", "in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias"}
#   {"type": "ConvTranspose2d", "in", "out", "kernel": [h, w], "stride", "padding", "output_padding",
#    "dilation": [h, w], "groups", "bias"}
#
# Tensors of case i:
#   c<i>.state.<key>        the module's state dict (PyTorch's key names) before the forward pass
#   c<i>.input              the input (F64, or I64 indices for Embedding)
#   c<i>.out                the output
#   c<i>.gout               the upstream gradient
#   c<i>.grad.input         d(sum(out * gout))/d(input), for a floating input
#   c<i>.grad.<param key>   the same w.r.t. each parameter
#   c<i>.state_after.<key>  every buffer after the forward pass (batch-norm running
#                           statistics move in training mode and stay in evaluation mode)


def build_module(cfg):
    t = cfg["type"]
    if t == "Linear":
        return nn.Linear(cfg["in"], cfg["out"], bias=cfg["bias"])
    if t == "Conv2d":
        return nn.Conv2d(cfg["in"], cfg["out"], cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                         dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"])
    if t == "MaxPool2d":
        return nn.MaxPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                            ceil_mode=cfg["ceil_mode"])
    if t == "AvgPool2d":
        return nn.AvgPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], ceil_mode=cfg["ceil_mode"],
                            count_include_pad=cfg["count_include_pad"])
    if t == "Flatten":
        return nn.Flatten(cfg["start"], cfg["end"])
    if t == "Dropout":
        return nn.Dropout(cfg["p"])
    if t == "BatchNorm1d":
        return nn.BatchNorm1d(cfg["channels"])
    if t == "BatchNorm2d":
        return nn.BatchNorm2d(cfg["channels"])
    if t == "LayerNorm":
        return nn.LayerNorm(cfg["shape"], eps=cfg["eps"], elementwise_affine=cfg["affine"])
    if t == "Embedding":
        return nn.Embedding(cfg["num"], cfg["dim"], padding_idx=cfg.get("padding_idx"))
    if t == "ReLU":
        return nn.ReLU()
    if t == "LeakyReLU":
        return nn.LeakyReLU(cfg["slope"])
    if t == "Sigmoid":
        return nn.Sigmoid()
    if t == "Tanh":
        return nn.Tanh()
    if t == "GELU":
        return nn.GELU()
    if t == "Softmax":
        return nn.Softmax(cfg["dim"])
    if t == "LogSoftmax":
        return nn.LogSoftmax(cfg["dim"])
    if t == "Sequential":
        return nn.Sequential(*[build_module(c) for c in cfg["layers"]])
    if t == "Upsample":
        size = None if cfg["size"] is None else tuple(cfg["size"])
        scale = None if cfg["scale_factor"] is None else tuple(cfg["scale_factor"])
        return nn.Upsample(size=size, scale_factor=scale, mode=cfg["mode"], align_corners=cfg.get("align_corners"))
    if t == "Identity":
        return nn.Identity()
    if t == "GroupNorm":
        return nn.GroupNorm(cfg["groups"], cfg["channels"], eps=cfg["eps"], affine=cfg["affine"])
    if t == "Conv1d":
        return nn.Conv1d(cfg["in"], cfg["out"], cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                         dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"])
    if t == "ConvTranspose2d":
        return nn.ConvTranspose2d(cfg["in"], cfg["out"], cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                                  output_padding=cfg["output_padding"], groups=cfg["groups"], bias=cfg["bias"],
                                  dilation=cfg["dilation"])
    raise ValueError("unknown module type %r" % t)


def randomize_state(module, r):
    """Replace every floating parameter and buffer with random values (running
    variances positive), and num_batches_tracked with a small count, so the
    state dict really matters."""
    with torch.no_grad():
        for key, v in module.state_dict(keep_vars=True).items():
            if key.endswith("num_batches_tracked"):
                v.fill_(int(r.index(10).item()) + 1)
            elif key.endswith("running_var"):
                v.copy_(r.uniform(0.5, 2.0, *v.shape))
            elif key.endswith("running_mean"):
                v.copy_(r.randn(*v.shape, scale=0.5))
            elif (key == "weight" or key.endswith(".weight")) and v.dim() == 1:
                v.copy_(r.uniform(0.5, 1.5, *v.shape))  # norm scales: away from 0
            else:
                v.copy_(r.randn(*v.shape, scale=0.5))


def Lin(i, o, b=True):
    return {"type": "Linear", "in": i, "out": o, "bias": b}


def Conv(i, o, k, s=(1, 1), p=(0, 0), d=(1, 1), g=1, b=True):
    return {"type": "Conv2d", "in": i, "out": o, "kernel": list(k), "stride": list(s), "padding": list(p),
            "dilation": list(d), "groups": g, "bias": b}


def Conv1(i, o, k, s=1, p=0, d=1, g=1, b=True):
    return {"type": "Conv1d", "in": i, "out": o, "kernel": k, "stride": s, "padding": p, "dilation": d, "groups": g, "bias": b}


def ConvT(i, o, k, s=(1, 1), p=(0, 0), op=(0, 0), d=(1, 1), g=1, b=True):
    return {"type": "ConvTranspose2d", "in": i, "out": o, "kernel": list(k), "stride": list(s), "padding": list(p),
            "output_padding": list(op), "dilation": list(d), "groups": g, "bias": b}


def Up(mode, size=None, scale=None, align=None):
    d = {"type": "Upsample", "size": size, "scale_factor": scale, "mode": mode}
    if align is not None:
        d["align_corners"] = align
    return d


def MaxP(k, s=None, p=(0, 0), d=(1, 1), c=False):
    return {"type": "MaxPool2d", "kernel": list(k), "stride": None if s is None else list(s), "padding": list(p),
            "dilation": list(d), "ceil_mode": c}


def AvgP(k, s=None, p=(0, 0), c=False, cip=True):
    return {"type": "AvgPool2d", "kernel": list(k), "stride": None if s is None else list(s), "padding": list(p),
            "ceil_mode": c, "count_include_pad": cip}


def Seq(*layers):
    return {"type": "Sequential", "layers": list(layers)}


def simple(t, **kw):
    d = {"type": t}
    d.update(kw)
    return d


# file name -> cases (config, train mode, input shape, how to draw the input)
LAYERS = {
    "linear": [
        (Lin(4, 3), False, (5, 4), "randn"),
        (Lin(4, 3, False), False, (5, 4), "randn"),
        (Lin(3, 2), False, (2, 4, 3), "randn"),
        (Lin(5, 6, False), True, (3, 2, 5), "randn"),
        (Lin(1, 1), False, (3, 1), "randn"),
    ],
    "conv2d": [
        (Conv(3, 4, (3, 3), p=(1, 1)), False, (2, 3, 5, 5), "randn"),
        (Conv(3, 4, (3, 3), b=False), False, (2, 3, 5, 5), "randn"),
        (Conv(2, 3, (3, 2), s=(2, 1), p=(1, 0)), False, (2, 2, 7, 6), "randn"),
        (Conv(2, 2, (3, 3), p=(2, 2), d=(2, 2), b=False), False, (1, 2, 7, 7), "randn"),
        (Conv(4, 6, (3, 3), p=(1, 1), g=2), False, (2, 4, 5, 4), "randn"),
        (Conv(3, 3, (3, 3), s=(2, 2), p=(1, 1), g=3, b=False), False, (2, 3, 6, 5), "randn"),
        (Conv(4, 2, (1, 1)), False, (3, 4, 3, 3), "randn"),
        (Conv(2, 4, (2, 3), s=(1, 2), p=(1, 0), d=(2, 1), g=2), False, (1, 2, 6, 7), "randn"),
    ],
    "conv1d": [
        (Conv1(3, 4, 3, p=1), False, (2, 3, 7), "randn"),
        (Conv1(3, 4, 3, b=False), False, (2, 3, 6), "randn"),
        (Conv1(2, 3, 4, s=2, p=2), False, (2, 2, 9), "randn"),
        (Conv1(2, 2, 3, p=2, d=2), False, (1, 2, 7), "randn"),
        (Conv1(4, 6, 3, p=1, g=2), False, (2, 4, 5), "randn"),
        (Conv1(3, 3, 5, s=3, p=2, g=3, b=False), False, (2, 3, 11), "randn"),   # depthwise
        (Conv1(4, 5, 3, p=1), False, (4, 8), "randn"),                             # unbatched [C, L]
    ],
    "conv_transpose2d": [
        (ConvT(3, 4, (3, 3)), False, (2, 3, 4, 4), "randn"),
        (ConvT(4, 2, (4, 4), s=(2, 2), p=(1, 1)), False, (2, 4, 3, 3), "randn"),    # the DCGAN up-sampling block
        (ConvT(2, 3, (3, 3), s=(2, 2), p=(1, 1), op=(1, 1), b=False), False, (1, 2, 3, 4), "randn"),
        (ConvT(4, 6, (3, 2), s=(2, 1), p=(1, 0), op=(1, 0), g=2), False, (2, 4, 3, 3), "randn"),
        (ConvT(2, 2, (3, 3), p=(1, 1), op=(1, 1), d=(2, 2)), False, (1, 2, 3, 3), "randn"),   # output_padding >= stride
        (ConvT(3, 2, (2, 3), s=(1, 2), p=(0, 1), d=(2, 1)), False, (3, 4, 3), "randn"),       # unbatched [C, H, W]
    ],
    "group_norm": [
        (simple("GroupNorm", groups=2, channels=4, eps=1e-5, affine=True), False, (2, 4, 3, 3), "randn"),
        (simple("GroupNorm", groups=1, channels=3, eps=1e-5, affine=True), True, (3, 3, 5), "randn"),
        (simple("GroupNorm", groups=3, channels=3, eps=1e-5, affine=True), False, (2, 3, 2, 2), "randn"),   # one channel a group
        (simple("GroupNorm", groups=2, channels=6, eps=1e-3, affine=False), False, (2, 6, 4), "randn"),
        (simple("GroupNorm", groups=4, channels=8, eps=1e-5, affine=True), False, (3, 8), "randn"),          # no spatial dims
        (simple("GroupNorm", groups=2, channels=4, eps=1e-5, affine=True), False, (1, 4, 2, 3, 2), "randn"),  # 3-D positions
    ],
    "upsample_nearest": [
        (Up("nearest", scale=[2.0, 2.0]), False, (2, 3, 4, 5), "randn"),
        (Up("nearest", size=[7, 3]), False, (1, 2, 4, 5), "randn"),          # up in height, down in width
        (Up("nearest", scale=[1.5, 1.5]), False, (2, 2, 3, 3), "randn"),     # the float32 index of 1/1.5
        (Up("nearest", scale=[3.0]), False, (2, 3, 4), "randn"),             # 3-D
        (Up("nearest", size=[3, 4, 5]), False, (1, 2, 2, 3, 2), "randn"),    # 5-D
        (Up("nearest", size=[5, 5]), False, (1, 1, 5, 5), "randn"),          # the same size: a copy
    ],
    "upsample_linear": [
        (Up("bilinear", scale=[2.0, 2.0], align=False), False, (2, 3, 4, 5), "randn"),
        (Up("bilinear", scale=[2.0, 2.0], align=True), False, (2, 2, 3, 4), "randn"),
        (Up("bilinear", size=[5, 7], align=False), False, (1, 2, 3, 4), "randn"),
        (Up("bilinear", size=[2, 3], align=False), False, (1, 1, 5, 7), "randn"),    # down-sampling
        (Up("bilinear", scale=[1.7, 1.3], align=False), False, (1, 2, 3, 3), "randn"),
        (Up("bilinear", size=[1, 3], align=True), False, (1, 2, 4, 4), "randn"),     # an output size of 1
        (Up("linear", scale=[2.5], align=False), False, (2, 3, 4), "randn"),
        (Up("trilinear", size=[3, 4, 2], align=True), False, (1, 2, 2, 3, 4), "randn"),
    ],
    "identity": [(simple("Identity"), False, (3, 4), "randn")],
    "max_pool2d": [
        (MaxP((2, 2)), False, (2, 3, 4, 4), "distinct"),
        (MaxP((3, 2), s=(2, 1), p=(1, 0)), False, (1, 2, 5, 5), "distinct"),
        (MaxP((3, 3), s=(2, 2), p=(1, 1), c=True), False, (2, 1, 6, 6), "distinct"),
        (MaxP((2, 2), s=(1, 1), d=(2, 2)), False, (1, 2, 5, 6), "distinct"),
    ],
    "avg_pool2d": [
        (AvgP((2, 2)), False, (2, 3, 4, 4), "randn"),
        (AvgP((3, 3), s=(2, 2), p=(1, 1)), False, (2, 2, 5, 5), "randn"),
        (AvgP((3, 3), s=(2, 2), p=(1, 1), c=True, cip=False), False, (1, 2, 6, 6), "randn"),
        (AvgP((2, 3), s=(1, 2)), False, (2, 1, 5, 7), "randn"),
    ],
    "flatten": [
        (simple("Flatten", start=1, end=-1), False, (2, 3, 2, 2), "randn"),
        (simple("Flatten", start=1, end=2), False, (2, 3, 4, 2), "randn"),
        (simple("Flatten", start=0, end=-1), False, (3, 4), "randn"),
    ],
    "dropout": [
        (simple("Dropout", p=0.5), False, (4, 5), "randn"),
        (simple("Dropout", p=0.0), True, (3, 4), "randn"),   # p = 0 is the identity even in training
    ],
    "batch_norm1d": [
        (simple("BatchNorm1d", channels=3), True, (6, 3), "randn"),
        (simple("BatchNorm1d", channels=4), True, (3, 4, 5), "randn"),
        (simple("BatchNorm1d", channels=3), False, (6, 3), "randn"),
        (simple("BatchNorm1d", channels=4), False, (3, 4, 5), "randn"),
    ],
    "batch_norm2d": [
        (simple("BatchNorm2d", channels=3), True, (4, 3, 3, 2), "randn"),
        (simple("BatchNorm2d", channels=2), True, (2, 2, 4, 4), "randn"),
        (simple("BatchNorm2d", channels=3), False, (4, 3, 3, 2), "randn"),
    ],
    "layer_norm": [
        (simple("LayerNorm", shape=[5], eps=1e-5, affine=True), False, (2, 3, 5), "randn"),
        (simple("LayerNorm", shape=[3, 4], eps=1e-5, affine=True), False, (2, 3, 4), "randn"),
        (simple("LayerNorm", shape=[6], eps=1e-5, affine=False), False, (4, 6), "randn"),
        (simple("LayerNorm", shape=[2, 3], eps=1e-3, affine=False), True, (3, 2, 3), "randn"),
    ],
    "embedding": [
        (simple("Embedding", num=7, dim=3), True, (5,), "index"),
        (simple("Embedding", num=5, dim=4), True, (2, 3), "index"),
    ],
    "embedding_padding": [
        (simple("Embedding", num=7, dim=3, padding_idx=0), True, (5,), "index"),
        (simple("Embedding", num=5, dim=4, padding_idx=-1), True, (2, 3), "index"),   # counted from the end: row 4
        (simple("Embedding", num=6, dim=2, padding_idx=3), True, (2, 2, 2), "index"),
    ],
    "relu": [(simple("ReLU"), False, (3, 5), "nonzero"), (simple("ReLU"), False, (2, 3, 4), "nonzero")],
    "leaky_relu": [
        (simple("LeakyReLU", slope=0.01), False, (3, 5), "nonzero"),
        (simple("LeakyReLU", slope=0.2), False, (2, 3, 4), "nonzero"),
    ],
    "sigmoid": [(simple("Sigmoid"), False, (3, 5), "randn3")],
    "tanh": [(simple("Tanh"), False, (3, 5), "randn3")],
    "gelu": [(simple("GELU"), False, (3, 5), "randn3"), (simple("GELU"), False, (2, 2, 3), "randn")],
    "softmax": [
        (simple("Softmax", dim=1), False, (3, 5), "randn3"),
        (simple("Softmax", dim=-1), False, (2, 3, 4), "randn"),
        (simple("Softmax", dim=0), False, (4, 3), "randn"),
    ],
    "log_softmax": [
        (simple("LogSoftmax", dim=1), False, (3, 5), "randn3"),
        (simple("LogSoftmax", dim=-1), False, (2, 3, 4), "randn"),
    ],
    "sequential": [
        (Seq(Lin(4, 8), simple("Tanh"), Lin(8, 3), simple("LogSoftmax", dim=1)), True, (5, 4), "randn"),
        (Seq(Conv(1, 4, (3, 3), p=(1, 1)), simple("BatchNorm2d", channels=4), simple("ReLU"), MaxP((2, 2)),
             simple("Flatten", start=1, end=-1), Lin(36, 5)), True, (2, 1, 6, 6), "randn"),
        (Seq(Conv(1, 4, (3, 3), p=(1, 1)), simple("BatchNorm2d", channels=4), simple("ReLU"), MaxP((2, 2)),
             simple("Flatten", start=1, end=-1), Lin(36, 5)), False, (2, 1, 6, 6), "randn"),
        (Seq(Seq(Lin(3, 6), simple("GELU")), simple("Dropout", p=0.3), simple("LayerNorm", shape=[6], eps=1e-5, affine=True),
             Lin(6, 2, False)), False, (4, 3), "randn"),
    ],
}


def draw_input(r, how, shape, cfg):
    if how == "randn":
        return r.randn(*shape)
    if how == "randn3":
        return r.randn(*shape, scale=3.0)
    if how == "nonzero":
        return r.nonzero(*shape)
    if how == "distinct":
        return r.distinct(*shape, spacing=0.1)
    if how == "index":
        idx = r.index(cfg["num"], *shape)
        idx.view(-1)[1] = idx.view(-1)[0]  # a repeated index: gradient rows accumulate
        if cfg.get("padding_idx") is not None:
            idx.view(-1)[2] = cfg["padding_idx"] % cfg["num"]   # the padding row is read (and gets no gradient)
        return idx
    raise ValueError(how)


def run_layer(module, x, gout, train):
    """Forward (and backward when gout is given) on a copy of the module.
    Returns (out, grads by name incl. "input", state dict after)."""
    m = copy.deepcopy(module)
    m.train(train)
    leaf = x.detach().clone()
    if leaf.is_floating_point():
        leaf.requires_grad_(True)
    out = m(leaf)
    grads = {}
    if gout is not None:
        named = [(k, p) for k, p in m.named_parameters()]
        wrt = ([("input", leaf)] if leaf.requires_grad else []) + named
        gs = torch.autograd.grad(out, [t for _, t in wrt], gout, allow_unused=True)
        for (k, t), g in zip(wrt, gs):
            grads[k] = torch.zeros_like(t) if g is None else g.detach()
    after = {k: v.detach().clone() for k, v in m.named_buffers()}
    return out.detach(), grads, after


def gradcheck_layer(module, x, train):
    """torch.autograd.gradcheck of the module w.r.t. its input and parameters."""
    m = copy.deepcopy(module)
    m.train(train)
    names = [k for k, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for _, p in m.named_parameters()]
    float_in = x.is_floating_point()

    def fn(*args):
        inp = args[0] if float_in else x
        ps = args[1:] if float_in else args
        state = {k: v for k, v in zip(names, ps)}
        state.update({k: v.clone() for k, v in m.named_buffers()})  # running stats must not drift between calls
        return torch.nn.utils.stateless.functional_call(m, state, (inp,))

    args = ((x.detach().clone().requires_grad_(True),) if float_in else ()) + tuple(params)
    if args:
        assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5, rtol=1e-4)


def build_layers(name, r):
    tensors, meta = [], {}
    for i, (cfg, train, shape, how) in enumerate(LAYERS[name]):
        module = build_module(cfg).double()
        randomize_state(module, r)
        x = draw_input(r, how, shape, cfg)
        c = "c%d." % i
        meta["case%d" % i] = dumps({"module": cfg, "train": train, "input": "index" if how == "index" else "float"})
        for k, v in module.state_dict().items():
            tensors.append((c + "state." + k, v.detach().clone().contiguous()))
        tensors.append((c + "input", x))
        out, _, _ = run_layer(module, x, None, train)
        gout = r.randn(*out.shape)
        out2, grads, after = run_layer(module, x, gout, train)
        assert torch.equal(out, out2)
        tensors.append((c + "out", out.contiguous()))
        tensors.append((c + "gout", gout))
        for k, g in grads.items():
            tensors.append((c + "grad." + k, g.contiguous()))
        for k, v in after.items():
            tensors.append((c + "state_after." + k, v.contiguous()))
        if cfg.get("padding_idx") is None:   # the padding row's zero gradient is PyTorch's rule, not the derivative
            gradcheck_layer(module, x, train)
    return tensors, meta


# =============================================================================
# Losses
# =============================================================================
#
# A case is {"reduction": "mean" | "sum" | "none", ...options}; options:
#   cross_entropy: "ignore_index" (default -100), "label_smoothing" (default 0)
#   nll:           "ignore_index"
# plus "grad": false for a value-only case.
# Tensors of case i: c<i>.input, c<i>.target, c<i>.out, and unless "grad" is
# false c<i>.gout (shape of out) and c<i>.grad (d(sum(out * gout))/d(input)).

def loss_fn(name, p):
    red = p["reduction"]
    if name == "mse":
        return lambda x, y: F.mse_loss(x, y, reduction=red)
    if name == "l1":
        return lambda x, y: F.l1_loss(x, y, reduction=red)
    if name == "cross_entropy":
        return lambda x, y: F.cross_entropy(x, y, ignore_index=p.get("ignore_index", -100), reduction=red,
                                            label_smoothing=p.get("label_smoothing", 0.0))
    if name == "nll":
        return lambda x, y: F.nll_loss(x, y, ignore_index=p.get("ignore_index", -100), reduction=red)
    if name == "bce":
        return lambda x, y: F.binary_cross_entropy(x, y, reduction=red)
    if name == "bce_with_logits":
        return lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=red)
    raise ValueError(name)


REDUCTIONS = ("mean", "sum", "none")


def loss_cases(name, r):
    """Returns [(params, input, target)]."""
    out = []
    if name in ("mse", "l1"):
        for red in REDUCTIONS:
            x = r.randn(3, 4)
            y = x + r.nonzero(3, 4)  # |x - y| >= 0.1: away from the kink of l1
            out.append(({"reduction": red}, x, y))
        out.append(({"reduction": "mean"}, r.randn(2, 3, 2), r.randn(2, 3, 2)))
    elif name == "cross_entropy":
        def idx(n, c, *rest):
            return r.index(c, n, *rest)
        for red in REDUCTIONS:
            out.append(({"reduction": red}, r.randn(5, 4, scale=2.0), idx(5, 4)))
        for red in REDUCTIONS:
            out.append(({"reduction": red, "label_smoothing": 0.1}, r.randn(5, 4, scale=2.0), idx(5, 4)))
        for red in REDUCTIONS:  # the default ignore_index -100 appears in the targets
            t = idx(6, 4)
            t[1] = -100
            t[4] = -100
            out.append(({"reduction": red, "ignore_index": -100}, r.randn(6, 4), t))
        t = idx(6, 3)
        t[0], t[3] = 2, 2
        out.append(({"reduction": "mean", "ignore_index": 2}, r.randn(6, 3), t))
        for red in REDUCTIONS:  # smoothing with ignored targets
            t = idx(5, 4)
            t[2] = 1
            out.append(({"reduction": red, "ignore_index": 1, "label_smoothing": 0.2}, r.randn(5, 4), t))
        for red in REDUCTIONS:  # class probabilities
            out.append(({"reduction": red}, r.randn(4, 3), torch.softmax(r.randn(4, 3), 1)))
        out.append(({"reduction": "mean", "label_smoothing": 0.3}, r.randn(4, 3), torch.softmax(r.randn(4, 3), 1)))
        out.append(({"reduction": "mean"}, r.randn(2, 3, 4), torch.softmax(r.randn(2, 3, 4), 1)))
        for red in REDUCTIONS:  # [N, C, d]
            out.append(({"reduction": red}, r.randn(3, 4, 5), idx(3, 4, 5)))
        t = idx(2, 3, 2, 2)
        t[0, 1, 1] = -100
        out.append(({"reduction": "mean", "label_smoothing": 0.1}, r.randn(2, 3, 2, 2), t))
        out.append(({"reduction": "mean"}, r.randn(5), r.index(5)))  # unbatched: [C] and a 0-d target
    elif name == "nll":
        for red in REDUCTIONS:
            out.append(({"reduction": red}, torch.log_softmax(r.randn(5, 4), 1), r.index(4, 5)))
        for red in REDUCTIONS:
            t = r.index(4, 6)
            t[2] = 3
            out.append(({"reduction": red, "ignore_index": 3}, torch.log_softmax(r.randn(6, 4), 1), t))
        out.append(({"reduction": "mean"}, torch.log_softmax(r.randn(3, 4, 5), 1), r.index(4, 3, 5)))
        out.append(({"reduction": "none"}, torch.log_softmax(r.randn(3, 4, 5), 1), r.index(4, 3, 5)))
    elif name == "bce":
        for red in REDUCTIONS:
            out.append(({"reduction": red}, r.uniform(0.05, 0.95, 3, 4), r.uniform(0, 1, 3, 4)))
        out.append(({"reduction": "mean"}, r.uniform(0.05, 0.95, 6), r.mask(6).to(F64)))
        # probabilities of exactly 0 and 1: the log terms are clamped at -100 (values only:
        # PyTorch's gradient there is a finite (p - y)/1e-12 of its own making)
        p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], dtype=F64)
        y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=F64)
        for red in REDUCTIONS:
            out.append(({"reduction": red, "grad": False}, p, y))
    elif name == "bce_with_logits":
        for red in REDUCTIONS:
            out.append(({"reduction": red}, r.randn(3, 4, scale=3.0), r.uniform(0, 1, 3, 4)))
        x = torch.tensor([-40.0, -5.0, 0.0, 5.0, 40.0, 800.0, -800.0], dtype=F64)  # large magnitudes stay finite
        y = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0], dtype=F64)
        out.append(({"reduction": "none"}, x, y))
        out.append(({"reduction": "mean"}, x, y))
    else:
        raise ValueError(name)
    return out


LOSSES = ["mse", "l1", "cross_entropy", "nll", "bce", "bce_with_logits"]


def build_losses(name, r):
    tensors, meta = [], {}
    for i, (p, x, y) in enumerate(loss_cases(name, r)):
        c = "c%d." % i
        meta["case%d" % i] = dumps(p)
        fn = loss_fn(name, p)
        leaf = x.detach().clone().requires_grad_(True)
        out = fn(leaf, y)
        tensors += [(c + "input", x), (c + "target", y), (c + "out", out.detach().contiguous())]
        if p.get("grad", True):
            gout = r.randn(*out.shape)
            (g,) = torch.autograd.grad(out, leaf, gout)
            tensors += [(c + "gout", gout), (c + "grad", g.contiguous())]
            assert torch.autograd.gradcheck(lambda a: fn(a, y), (x.detach().clone().requires_grad_(True),),
                                            eps=1e-6, atol=1e-5, rtol=1e-4)
        assert torch.all(torch.isfinite(out))
    return tensors, meta


# =============================================================================
# Optimizers
# =============================================================================
#
# A case is {"steps": k, "params": n, ...the optimizer's keyword arguments in
# PyTorch's names (lr, momentum, dampening, nesterov, weight_decay, betas, eps,
# amsgrad, lr_decay, initial_accumulator_value, rho, alpha, centered)}, plus
# "skip": [[j, s], ...] for steps s (1-based) at which parameter j has no
# gradient (PyTorch then leaves it and its state alone).
# Tensors of case i, for each parameter j and step s = 1..k:
#   c<i>.p<j>.init     the initial value
#   c<i>.p<j>.grad<s>  the gradient set before step s (absent when skipped)
#   c<i>.p<j>.step<s>  the value after step s

OPTIMIZERS = {
    "sgd": (torch.optim.SGD, [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.5},
        {"lr": 0.1, "weight_decay": 0.05},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.9, "skip": [[1, 3], [1, 4]]},
    ]),
    "adam": (torch.optim.Adam, [
        {"lr": 0.01},
        {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05},
        {"lr": 0.01, "skip": [[1, 2], [0, 5]]},
    ]),
    "adamw": (torch.optim.AdamW, [
        {"lr": 0.01},
        {"lr": 0.02, "betas": [0.85, 0.99], "weight_decay": 0.1, "amsgrad": True},
    ]),
    "adagrad": (torch.optim.Adagrad, [
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.5, "weight_decay": 0.01, "eps": 1e-8},
        {"lr": 0.1, "lr_decay": 0.1, "skip": [[0, 2]]},
    ]),
    "adadelta": (torch.optim.Adadelta, [
        {"lr": 1.0},
        {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.05},
    ]),
    "rmsprop": (torch.optim.RMSprop, [
        {"lr": 0.01},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "weight_decay": 0.1, "alpha": 0.9},
        {"lr": 0.005, "centered": True, "momentum": 0.5, "eps": 1e-6},
    ]),
}

PARAM_SHAPES = [(3, 2), (4,), (2, 1, 2)]
OPT_STEPS = 8


def build_optim(name, r):
    cls, configs = OPTIMIZERS[name]
    tensors, meta = [], {}
    for i, cfg in enumerate(configs):
        c = "c%d." % i
        skip = {tuple(s) for s in cfg.get("skip", [])}
        kwargs = {k: (tuple(v) if k == "betas" else v) for k, v in cfg.items() if k != "skip"}
        meta["case%d" % i] = dumps(dict(cfg, steps=OPT_STEPS, params=len(PARAM_SHAPES)))
        params = [r.randn(*s).requires_grad_(True) for s in PARAM_SHAPES]
        for j, p in enumerate(params):
            tensors.append((c + "p%d.init" % j, p.detach().clone()))
        opt = cls(params, **kwargs)
        for s in range(1, OPT_STEPS + 1):
            for j, p in enumerate(params):
                g = r.randn(*p.shape)  # drawn even when skipped, so the sequence does not depend on skips
                if (j, s) in skip:
                    p.grad = None
                else:
                    p.grad = g
                    tensors.append((c + "p%d.grad%d" % (j, s), g))
            opt.step()
            for j, p in enumerate(params):
                tensors.append((c + "p%d.step%d" % (j, s), p.detach().clone()))
    return tensors, meta


# =============================================================================
# LR schedulers
# =============================================================================
#
# A case is {"scheduler": name, "lr": initial lr, "steps": k, ...its arguments
# in PyTorch's names}.  Tensors of case i:
#   c<i>.lr       [k + 1] the optimizer's lr once the scheduler is built, then after each step
#   c<i>.metrics  [k] (ReduceLROnPlateau only) the metric passed to each step

SCHEDULERS = [
    {"scheduler": "StepLR", "lr": 0.1, "steps": 10, "step_size": 3, "gamma": 0.5},
    {"scheduler": "StepLR", "lr": 1.0, "steps": 6, "step_size": 1, "gamma": 0.9},
    {"scheduler": "CosineAnnealingLR", "lr": 0.1, "steps": 10, "T_max": 10, "eta_min": 0.0},
    {"scheduler": "CosineAnnealingLR", "lr": 0.5, "steps": 7, "T_max": 7, "eta_min": 0.01},
    {"scheduler": "LinearLR", "lr": 0.1, "steps": 8, "start_factor": 0.25, "total_iters": 4},
    {"scheduler": "LinearLR", "lr": 0.2, "steps": 5, "start_factor": 0.5, "total_iters": 1},
    {"scheduler": "ReduceLROnPlateau", "lr": 0.1, "steps": 14, "mode": "min", "factor": 0.5, "patience": 2,
     "threshold": 0.01, "cooldown": 1, "min_lr": 0.02,
     "metrics": [1.0, 0.9, 0.895, 0.91, 0.92, 0.85, 0.86, 0.86, 0.87, 0.7, 0.71, 0.72, 0.73, 0.74]},
    {"scheduler": "ReduceLROnPlateau", "lr": 0.1, "steps": 10, "mode": "max", "factor": 0.1, "patience": 1,
     "threshold": 1e-4, "cooldown": 0, "min_lr": 0.0,
     "metrics": [0.5, 0.6, 0.6, 0.59, 0.7, 0.7, 0.70001, 0.8, 0.79, 0.78]},
    {"scheduler": "ReduceLROnPlateau", "lr": 0.1, "steps": 12, "mode": "min", "factor": 0.1, "patience": 0,
     "threshold": 1e-4, "cooldown": 2, "min_lr": 0.0,
     "metrics": [3.0, 2.0, 2.5, 2.4, 2.3, 1.0, 1.0, 0.5, 0.6, 0.7, 0.8, 0.9]},
]


def build_schedulers(name, r):
    tensors, meta = [], {}
    for i, cfg in enumerate(SCHEDULERS):
        c = "c%d." % i
        meta["case%d" % i] = dumps({k: v for k, v in cfg.items() if k != "metrics"})
        opt = torch.optim.SGD([torch.zeros(1, dtype=F64, requires_grad=True)], lr=cfg["lr"])
        kind = cfg["scheduler"]
        if kind == "StepLR":
            s = torch.optim.lr_scheduler.StepLR(opt, cfg["step_size"], cfg["gamma"])
        elif kind == "CosineAnnealingLR":
            s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg["T_max"], cfg["eta_min"])
        elif kind == "LinearLR":
            s = torch.optim.lr_scheduler.LinearLR(opt, cfg["start_factor"], 1.0, cfg["total_iters"])
        else:
            s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, cfg["mode"], cfg["factor"], cfg["patience"],
                                                           threshold=cfg["threshold"], cooldown=cfg["cooldown"],
                                                           min_lr=cfg["min_lr"])
        lrs = [opt.param_groups[0]["lr"]]
        for k in range(cfg["steps"]):
            opt.step()
            if kind == "ReduceLROnPlateau":
                s.step(cfg["metrics"][k])
            else:
                s.step()
            lrs.append(opt.param_groups[0]["lr"])
        tensors.append((c + "lr", torch.tensor(lrs, dtype=F64)))
        if kind == "ReduceLROnPlateau":
            assert len(cfg["metrics"]) == cfg["steps"]
            tensors.append((c + "metrics", torch.tensor(cfg["metrics"], dtype=F64)))
    return tensors, meta


# =============================================================================
# main
# =============================================================================

GROUPS = {
    "layers": (build_layers, list(LAYERS)),
    "losses": (build_losses, LOSSES),
    "optim": (build_optim, list(OPTIMIZERS)),
    "schedulers": (build_schedulers, ["schedulers"]),
}


def all_keys():
    return ["%s/%s" % (g, n) for g, (_, names) in GROUPS.items() for n in names]


def build(key):
    group, name = key.split("/")
    fn, _ = GROUPS[group]
    r = Rand(seed_for(key))
    tensors, meta = fn(name, r)
    meta = dict({"group": group, "name": name, "cases": str(sum(1 for k in meta if k.startswith("case")))}, **meta)
    return tensors, meta


def verify(key, path):
    meta, arrays = read_safetensors(path)
    for name, a in arrays.items():
        if a.dtype.kind == "f":
            assert np.all(np.isfinite(a)), "non-finite values in " + name
    tensors, expected_meta = build(key)
    assert meta == expected_meta, "metadata differs from a fresh run"
    assert set(arrays) == {n for n, _ in tensors}, "tensor names differ from a fresh run"
    for n, t in tensors:
        assert np.array_equal(arrays[n], t.detach().contiguous().numpy()), "%s differs from a fresh run" % n
        assert arrays[n].dtype == t.detach().numpy().dtype, n
    return int(meta["cases"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="re-read the written fixtures and check them against a fresh run")
    ap.add_argument("--only", help="comma-separated subset, e.g. layers/linear,optim/adam")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)  # module constructors draw initial weights; they are all overwritten, but keep it fixed
    keys = args.only.split(",") if args.only else all_keys()
    for k in keys:
        if k not in all_keys():
            sys.exit("unknown fixture %r; known: %s" % (k, ", ".join(all_keys())))
    total = 0
    for key in keys:
        path = os.path.join(OUT_DIR, key + ".safetensors")
        if args.verify:
            n = verify(key, path)
            status = "ok"
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tensors, meta = build(key)
            write_safetensors(path, tensors, meta)
            n = int(meta["cases"])
            status = "written"
        size = os.path.getsize(path)
        total += size
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        print("%-26s %2d cases %7d bytes  sha256:%s  %s" % (key, n, size, digest, status))
    print("total %d bytes in %d files" % (total, len(keys)))


if __name__ == "__main__":
    main()
