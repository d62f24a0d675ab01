#!/usr/bin/python3
"""PyTorch oracle fixture generator for jgrad.

What it does
------------
For every op that jgrad implements, this script builds a handful of small test
cases, runs them through PyTorch (float64 throughout), and writes the inputs,
the forward output, a random upstream gradient and the resulting input
gradients to

    autograd/src/test/resources/oracle/<op>.safetensors

The Java tests read those files and compare jgrad's forward and backward
results against them.  Every value stored comes from a torch call; on top of
that every differentiable case is checked with torch.autograd.gradcheck
(finite differences) while it is generated.

How to run (from the repository root)
-------------------------------------
    /usr/bin/python3 tools/oracle/generate.py            # (re)write all fixtures
    /usr/bin/python3 tools/oracle/generate.py --verify   # re-read and check them
    /usr/bin/python3 tools/oracle/generate.py --only add,matmul   # a subset

Use /usr/bin/python3: torch comes from Debian's `python3-torch` package (1.13)
and numpy from `python3-numpy`.  Neither is needed at test time: the Java
tests only read the generated files, which are committed.

Output is deterministic: every op draws from its own torch.Generator seeded
from a CRC32 of the op name, and torch runs single-threaded, so running the
script twice produces byte-identical files.

File format (see tools/oracle/README.md for the full convention)
----------------------------------------------------------------
safetensors, written by hand here (the `safetensors` package is not
installed): 8-byte little-endian header length N, N bytes of UTF-8 JSON
header (space-padded so the data starts 8-byte aligned), then the raw
little-endian data buffer.  Header metadata:
    {"op": <name>, "cases": "<n>", "case<i>": "<JSON params of case i>"}
Tensors per case i:
    c<i>.in<j>    base input j (contiguous)
    c<i>.out      primary output
    c<i>.gout     upstream gradient (only when out is floating point)
    c<i>.grad<j>  d(out . gout)/d(base input j) (only floating inputs, and
                  only when out is floating point)
Params may contain "views": {"<j>": [transform, ...]} applied to base input j
to obtain the actual op input (permute / transpose / slice / expand).
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "autograd", "src", "test", "resources", "oracle")

F64 = torch.float64
I64 = torch.int64


# =============================================================================
# safetensors writer (hand-rolled, no dependency on the safetensors package)
# =============================================================================

# torch dtype -> (safetensors dtype name, numpy little-endian dtype)
DTYPES = {
    torch.float64: ("F64", "<f8"),
    torch.float32: ("F32", "<f4"),
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
    torch.bool: ("BOOL", "|b1"),
}


def write_safetensors(path, tensors, metadata):
    """Write `tensors` (list of (name, torch.Tensor)) plus string `metadata`.

    Tensors are laid out back to back with no gaps.  In the data buffer they
    are ordered by element size, largest first (stable otherwise), so every
    8-byte tensor starts at an 8-byte aligned offset; BOOL tensors come last.
    The JSON header lists them in the order given (readability only).
    """
    assert all(isinstance(v, str) for v in metadata.values())
    names = [name for name, _ in tensors]
    assert len(set(names)) == len(names), "duplicate tensor names"
    ordered = sorted(tensors, key=lambda nt: -nt[1].element_size())
    entries, chunks = {}, []
    offset = 0
    for name, t in ordered:
        st_dtype, np_dtype = DTYPES[t.dtype]
        raw = t.detach().contiguous().numpy().astype(np_dtype).tobytes()
        entries[name] = {
            "dtype": st_dtype,
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    header = {"__metadata__": metadata}
    header.update((name, entries[name]) for name in names)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-(8 + len(hbytes))) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for c in chunks:
            f.write(c)


# =============================================================================
# Random input helpers (all draws go through the op's own generator)
# =============================================================================

class Rand:
    """Small deterministic sampler bound to one torch.Generator."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0):
        return torch.randn(shape, generator=self.g, dtype=F64) * scale

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(shape, generator=self.g, dtype=F64)

    def positive(self, *shape):
        """Values in [0.2, 3): safe for log, sqrt, fractional powers."""
        return self.uniform(0.2, 3.0, *shape)

    def nonzero(self, *shape, lo=0.1, hi=2.0):
        """Random sign times a magnitude in [lo, hi): away from 0."""
        sign = torch.where(torch.rand(shape, generator=self.g) < 0.5, -1.0, 1.0).to(F64)
        return sign * self.uniform(lo, hi, *shape)

    def ints_as_float(self, lo, hi, *shape):
        """Small integers stored as float64 (produces ties for comparisons)."""
        return torch.randint(lo, hi, shape, generator=self.g).to(F64)

    def index(self, hi, *shape):
        return torch.randint(0, hi, shape, generator=self.g, dtype=I64)

    def mask(self, *shape):
        return torch.rand(shape, generator=self.g) < 0.5

    def distinct(self, *shape, spacing=0.05):
        """Shuffled, evenly spaced values: no two elements are within `spacing`
        of each other (no ties for max-pool/argmax style ops)."""
        n = 1
        for s in shape:
            n *= s
        perm = torch.randperm(n, generator=self.g).to(F64)
        return ((perm - n / 2) * spacing).reshape(shape)


def seed_for(op):
    return zlib.crc32(op.encode("utf-8"))


# =============================================================================
# View transforms (the "views" case parameter)
# =============================================================================

def apply_views(t, transforms):
    """Apply view transforms in order; each is a one-key JSON object."""
    for tr in transforms:
        (kind, arg), = tr.items()
        if kind == "permute":
            t = t.permute(*arg)
        elif kind == "transpose":
            t = t.transpose(arg[0], arg[1])
        elif kind == "slice":
            dim, start, end, step = arg
            idx = [slice(None)] * t.dim()
            idx[dim] = slice(start, end, step)
            t = t[tuple(idx)]
        elif kind == "expand":
            t = t.expand(*arg)
        else:
            raise ValueError("unknown view transform %r" % kind)
    return t


def T(d0, d1):
    return {"transpose": [d0, d1]}


def P(*dims):
    return {"permute": list(dims)}


def S(dim, start, end, step):
    return {"slice": [dim, start, end, step]}


def E(*shape):
    return {"expand": list(shape)}


def case(params, inputs, views=None):
    """A test case: JSON-able params, base input tensors, optional views."""
    params = dict(params)
    if views:
        params["views"] = {str(j): v for j, v in views.items()}
    return (params, list(inputs))


# =============================================================================
# Op table: op name -> torch call taking (list of actual inputs, params)
# =============================================================================

def _reduce(fn):
    """sum/mean/amax/amin/logsumexp with {"dims": [...] | null, "keepdim": bool}."""
    def call(a, p):
        x = a[0]
        # null dims = all dims (for a 0-d input, dim=() which reduces "all").
        dims = tuple(range(x.dim())) if p["dims"] is None else tuple(p["dims"])
        return fn(x, dim=dims, keepdim=p["keepdim"])
    return call


def _var(a, p):
    dims = p["dims"]
    if dims is None:
        dims = list(range(a[0].dim()))
    return torch.var(a[0], dim=dims, correction=p["correction"], keepdim=p["keepdim"])


def _slice_op(a, p):
    idx = [slice(None)] * a[0].dim()
    idx[p["dim"]] = slice(p["start"], p["end"], p["step"])
    return a[0][tuple(idx)]


def _squeeze(a, p):
    return a[0].squeeze() if p["dim"] is None else a[0].squeeze(p["dim"])


def _conv2d(a, p):
    bias = a[2] if p["bias"] else None
    return F.conv2d(a[0], a[1], bias, stride=p["stride"], padding=p["padding"],
                    dilation=p["dilation"], groups=p["groups"])


def _conv_transpose2d(a, p):
    bias = a[2] if p["bias"] else None
    return F.conv_transpose2d(a[0], a[1], bias, stride=p["stride"], padding=p["padding"],
                              output_padding=p["output_padding"], groups=p["groups"], dilation=p["dilation"])


def _sdpa(a, p):
    """softmax(scale·q·kᵀ + mask)·v, written out (torch 1.13 has no scaled_dot_product_attention)."""
    q, k, v = a[0], a[1], a[2]
    scale = p["scale"] if p.get("scale") is not None else 1.0 / q.shape[-1] ** 0.5
    s = q @ k.transpose(-2, -1) * scale
    if p.get("causal"):
        s = s.masked_fill(torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool).triu(1), float("-inf"))
    if len(a) > 3:
        m = a[3]
        s = s.masked_fill(~m, float("-inf")) if m.dtype == torch.bool else s + m
    return torch.softmax(s, -1) @ v


def _layer_norm(a, p):
    """F.layer_norm over the trailing normalized_shape; weight and bias follow x when present."""
    rest = list(a[1:])
    w = rest.pop(0) if p["weight"] else None
    b = rest.pop(0) if p["bias"] else None
    return F.layer_norm(a[0], p["normalized_shape"], w, b, p["eps"])


def _group_norm(a, p):
    """F.group_norm over [N, C, *]; weight and bias follow x when present."""
    rest = list(a[1:])
    c = a[0].shape[1]
    # torch 1.13's CPU backward fails ("tensor does not have a device") without a weight: pass constant ones/zeros instead
    w = rest.pop(0) if p["weight"] else torch.ones(c, dtype=a[0].dtype)
    b = rest.pop(0) if p["bias"] else torch.zeros(c, dtype=a[0].dtype)
    return F.group_norm(a[0], p["groups"], w, b, p["eps"])


def _interpolate(a, p):
    size = None if p["size"] is None else tuple(p["size"])
    scale = None if p["scale_factor"] is None else tuple(p["scale_factor"])
    align = p["align_corners"] if p["mode"] != "nearest" else None
    return F.interpolate(a[0], size=size, scale_factor=scale, mode=p["mode"], align_corners=align)


def _cross_entropy(a, p):
    return F.cross_entropy(a[0], a[1], ignore_index=p["ignore_index"], reduction="none")


M64 = (1 << 64) - 1


def _splitmix64_first(seed):
    """The first nextLong() of jgrad's Generator(seed) (SplitMix64), as an unsigned 64-bit int."""
    z = (seed + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def _philox4x32_10(c, k0, k1):
    """Philox4x32-10 (Salmon et al., SC 2011): four 32-bit words for counter c and key (k0, k1)."""
    c0, c1, c2, c3 = c
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & 0xFFFFFFFF, p1 & 0xFFFFFFFF, ((p0 >> 32) ^ c3 ^ k1) & 0xFFFFFFFF, p0 & 0xFFFFFFFF
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    return c0, c1, c2, c3


def _dropout_keep(n, seed, p):
    """jgrad's dropout decision for elements 0..n-1: word i % 4 of Philox block i / 4 (counter
    (i/4, 0, 0, 0), key = the generator's first long), as uniform (word >> 8)·2^-24 in float32,
    kept when >= p in float32."""
    key = _splitmix64_first(seed)
    k0, k1 = key & 0xFFFFFFFF, key >> 32
    pf = float(np.float32(p))
    keep = []
    for b in range((n + 3) // 4):
        for w in _philox4x32_10((b, 0, 0, 0), k0, k1)[: min(4, n - 4 * b)]:
            keep.append((w >> 8) * (1.0 / 16777216.0) >= pf)
    return torch.tensor(keep, dtype=torch.bool)


def _dropout(a, p):
    x = a[0]
    keep = _dropout_keep(x.numel(), p["seed"], p["p"]).reshape(x.shape)
    scale = 1.0 / (1.0 - p["p"]) if p["p"] < 1 else 0.0
    return torch.where(keep, x * scale, torch.zeros_like(x))


def _ord(v):
    """A norm order from JSON: a number, or "inf" / "-inf" (JSON has no infinities)."""
    return {"inf": float("inf"), "-inf": float("-inf")}.get(v, v)


def _norm(a, p):
    return torch.linalg.vector_norm(a[0], _ord(p["ord"]), dim=p["dims"], keepdim=p["keepdim"])


def _joined(parts):
    return torch.cat([t.reshape(-1) for t in parts])


def _where_scalar(a, p):
    """where with a Python-number branch: "form" is ts (tensor, scalar) or st; ss (two scalars) is
    not a fixture (no input to differentiate) and is tested in Java."""
    cond = a[0]
    if p["form"] == "ts":
        return torch.where(cond, a[1], p["b"])
    if p["form"] == "st":
        return torch.where(cond, p["a"], a[1])
    return torch.where(cond, p["a"], p["b"])


def _clamp_tensor(a, p):
    rest = list(a[1:])
    lo = rest.pop(0) if p["min"] else None
    hi = rest.pop(0) if p["max"] else None
    return torch.clamp(a[0], lo, hi)


TORCH_OPS = {
    # unary
    "neg": lambda a, p: torch.neg(a[0]),
    "exp": lambda a, p: torch.exp(a[0]),
    "expm1": lambda a, p: torch.expm1(a[0]),
    "log": lambda a, p: torch.log(a[0]),
    "sqrt": lambda a, p: torch.sqrt(a[0]),
    "abs": lambda a, p: torch.abs(a[0]),
    "relu": lambda a, p: torch.relu(a[0]),
    "sigmoid": lambda a, p: torch.sigmoid(a[0]),
    "tanh": lambda a, p: torch.tanh(a[0]),
    "erf": lambda a, p: torch.erf(a[0]),
    "gelu": lambda a, p: F.gelu(a[0], approximate=p["approximate"]),
    # binary, broadcasting
    "add": lambda a, p: torch.add(a[0], a[1]),
    "sub": lambda a, p: torch.sub(a[0], a[1]),
    "mul": lambda a, p: torch.mul(a[0], a[1]),
    "div": lambda a, p: torch.div(a[0], a[1]),
    "pow": lambda a, p: torch.pow(a[0], a[1]),
    "maximum": lambda a, p: torch.maximum(a[0], a[1]),
    "minimum": lambda a, p: torch.minimum(a[0], a[1]),
    # tensor-scalar
    "add_scalar": lambda a, p: torch.add(a[0], p["value"]),
    "mul_scalar": lambda a, p: torch.mul(a[0], p["value"]),
    "pow_scalar": lambda a, p: torch.pow(a[0], p["exponent"]),
    "clamp": lambda a, p: torch.clamp(a[0], min=p["min"], max=p["max"]),
    # selection
    "where": lambda a, p: torch.where(a[0], a[1], a[2]),
    # comparisons (bool output)
    "eq": lambda a, p: torch.eq(a[0], a[1]),
    "ne": lambda a, p: torch.ne(a[0], a[1]),
    "lt": lambda a, p: torch.lt(a[0], a[1]),
    "le": lambda a, p: torch.le(a[0], a[1]),
    "gt": lambda a, p: torch.gt(a[0], a[1]),
    "ge": lambda a, p: torch.ge(a[0], a[1]),
    # softmax family
    "softmax": lambda a, p: torch.softmax(a[0], dim=p["dim"]),
    "log_softmax": lambda a, p: torch.log_softmax(a[0], dim=p["dim"]),
    # reductions
    "sum": _reduce(torch.sum),
    "mean": _reduce(torch.mean),
    "amax": _reduce(torch.amax),
    "amin": _reduce(torch.amin),
    "logsumexp": _reduce(torch.logsumexp),
    "var": _var,
    "argmax": lambda a, p: torch.argmax(a[0], dim=p["dim"], keepdim=p["keepdim"]),
    # linear algebra
    "matmul": lambda a, p: torch.matmul(a[0], a[1]),
    "sdpa": _sdpa,
    "layer_norm": _layer_norm,
    # losses and regularisation
    "cross_entropy": _cross_entropy,
    "dropout": _dropout,
    # joining
    "cat": lambda a, p: torch.cat(a, dim=p["dim"]),
    "stack": lambda a, p: torch.stack(a, dim=p["dim"]),
    # indexing
    "gather": lambda a, p: torch.gather(a[0], p["dim"], a[1]),
    "index_select": lambda a, p: torch.index_select(a[0], p["dim"], a[1]),
    "one_hot": lambda a, p: F.one_hot(a[0], p["num_classes"]),
    "embedding": lambda a, p: F.embedding(a[0], a[1]),
    # convolution / pooling
    "conv2d": _conv2d,
    "conv_transpose2d": _conv_transpose2d,
    "group_norm": _group_norm,
    "interpolate": _interpolate,
    "max_pool2d": lambda a, p: F.max_pool2d(
        a[0], p["kernel"], p["stride"], p["padding"], p["dilation"], ceil_mode=p["ceil_mode"]),
    "avg_pool2d": lambda a, p: F.avg_pool2d(
        a[0], p["kernel"], p["stride"], p["padding"], ceil_mode=p["ceil_mode"],
        count_include_pad=p["count_include_pad"]),
    # view / shape ops
    "reshape": lambda a, p: torch.reshape(a[0], p["shape"]),
    "permute": lambda a, p: a[0].permute(*p["dims"]),
    "transpose": lambda a, p: torch.transpose(a[0], p["dim0"], p["dim1"]),
    "narrow": lambda a, p: torch.narrow(a[0], p["dim"], p["start"], p["length"]),
    "select": lambda a, p: torch.select(a[0], p["dim"], p["index"]),
    "slice": _slice_op,
    "expand": lambda a, p: a[0].expand(*p["shape"]),
    "squeeze": _squeeze,
    "unsqueeze": lambda a, p: torch.unsqueeze(a[0], p["dim"]),
    "flatten": lambda a, p: torch.flatten(a[0], p["start"], p["end"]),
    "contiguous": lambda a, p: a[0].contiguous(),
    # selection with indices, sorting (issue 17)
    "max_dim": lambda a, p: torch.max(a[0], p["dim"], keepdim=p["keepdim"]).values,
    "max_dim_indices": lambda a, p: torch.max(a[0], p["dim"], keepdim=p["keepdim"]).indices,
    "min_dim": lambda a, p: torch.min(a[0], p["dim"], keepdim=p["keepdim"]).values,
    "min_dim_indices": lambda a, p: torch.min(a[0], p["dim"], keepdim=p["keepdim"]).indices,
    "sort": lambda a, p: torch.sort(a[0], stable=True, dim=p["dim"], descending=p["descending"]).values,
    "argsort": lambda a, p: torch.sort(a[0], stable=True, dim=p["dim"], descending=p["descending"]).indices,
    "topk": lambda a, p: torch.topk(a[0], p["k"], p["dim"], largest=p["largest"], sorted=True).values,
    "topk_indices": lambda a, p: torch.topk(a[0], p["k"], p["dim"], largest=p["largest"], sorted=True).indices,
    # scans and reductions
    "cumsum": lambda a, p: torch.cumsum(a[0], p["dim"]),
    "cumprod": lambda a, p: torch.cumprod(a[0], p["dim"]),
    "prod": lambda a, p: torch.prod(a[0]) if p["dim"] is None else torch.prod(a[0], p["dim"], keepdim=p["keepdim"]),
    "any": lambda a, p: torch.any(a[0]) if p["dim"] is None else torch.any(a[0], p["dim"], keepdim=p["keepdim"]),
    "all": lambda a, p: torch.all(a[0]) if p["dim"] is None else torch.all(a[0], p["dim"], keepdim=p["keepdim"]),
    "norm": _norm,
    # splitting (the parts flattened and concatenated, so one output holds them all, in order)
    "split": lambda a, p: _joined(torch.split(a[0], p["split"], p["dim"])),
    "chunk": lambda a, p: _joined(torch.chunk(a[0], p["chunks"], p["dim"])),
    "unbind": lambda a, p: _joined(torch.unbind(a[0], p["dim"])),
    # repetition and reordering
    "repeat": lambda a, p: a[0].repeat(*p["repeats"]),
    "tile": lambda a, p: torch.tile(a[0], tuple(p["reps"])),
    "flip": lambda a, p: torch.flip(a[0], p["dims"]),
    "roll": lambda a, p: torch.roll(a[0], p["shifts"], p["dims"] if p["dims"] else None),
    # masks, selection with scalars, tensor bounds
    "masked_fill": lambda a, p: a[0].masked_fill(a[1], p["value"]),
    "tril": lambda a, p: torch.tril(a[0], p["diagonal"]),
    "triu": lambda a, p: torch.triu(a[0], p["diagonal"]),
    "where_scalar": _where_scalar,
    "clamp_tensor": _clamp_tensor,
    # padding and einsum
    "pad": lambda a, p: F.pad(a[0], p["pad"], mode=p["mode"], value=p["value"]) if p["mode"] == "constant"
    else F.pad(a[0], p["pad"], mode=p["mode"]),
    "einsum": lambda a, p: torch.einsum(p["equation"], *a),
}


# =============================================================================
# Case families: one function per family, returning a list of case(...)
# =============================================================================

UNARY_DOMAIN = {  # how to draw inputs for each unary op
    "neg": "any", "exp": "any", "expm1": "any", "sigmoid": "any", "tanh": "any", "erf": "any",
    "gelu": "any", "log": "positive", "sqrt": "positive",
    "abs": "nonzero", "relu": "nonzero",
}


def unary_cases(op, r):
    draw = {"any": r.randn, "positive": r.positive, "nonzero": r.nonzero}[UNARY_DOMAIN[op]]
    layouts = [  # (base shape, views for input 0)
        ((5,), None),
        ((3, 4), None),
        ((), None),
        ((2, 3, 4), None),
        ((4, 3), [T(0, 1)]),
        ((6, 4), [S(0, 1, 6, 2), T(0, 1)]),
        ((1, 4), [E(3, -1)]),
        ((0, 3), None),
    ]
    if op == "gelu":  # both approximations, 4 layouts each
        out = []
        for approx in ("none", "tanh"):
            for shape, v in (layouts[1], layouts[3], layouts[4], layouts[6]):
                out.append(case({"approximate": approx}, [draw(*shape)], v and {0: v}))
        return out
    return [case({}, [draw(*shape)], v and {0: v}) for shape, v in layouts]


BINARY_LAYOUTS = [  # (base shape 0, base shape 1, views)
    ((3, 4), (4,), None),
    ((2, 1, 4), (3, 1), None),
    ((5,), (), None),
    ((), (2, 3), None),
    ((1, 3), (2, 1), None),
    ((2, 1, 3, 1, 2, 1), (1, 2, 1, 2, 1, 3), None),
    ((0, 3), (3,), None),
    ((4, 3), (8,), {0: [T(0, 1)], 1: [S(0, 0, 8, 2)]}),
    ((3, 1), (4, 3), {0: [E(3, 4)], 1: [P(1, 0)]}),
]


def binary_cases(op, r):
    out = []
    for s0, s1, views in BINARY_LAYOUTS:
        while True:
            if op == "pow":
                a, b = r.uniform(0.5, 2.0, *s0), r.randn(*s1)
            elif op == "div":
                a, b = r.randn(*s0), r.nonzero(*s1, lo=0.5)
            else:
                a, b = r.randn(*s0), r.randn(*s1)
            if op not in ("maximum", "minimum"):
                break
            # maximum/minimum: reject near-ties (gradient would be split/ambiguous)
            va = apply_views(a, (views or {}).get(0, []))
            vb = apply_views(b, (views or {}).get(1, []))
            d = (va - vb).abs()
            if d.numel() == 0 or d.min() > 1e-2:
                break
        out.append(case({}, [a, b], views))
    return out


def push_away(x, points, margin=0.05):
    """Move elements that are within `margin` of any of `points` by 2*margin."""
    for b in points:
        if b is None:
            continue
        near = (x - b).abs() < margin
        x = torch.where(near, x + 2 * margin * torch.where(x >= b, 1.0, -1.0).to(F64), x)
    return x


def scalar_cases(op, r):
    if op in ("add_scalar", "mul_scalar"):
        vals = [2.5, -1.25, 0.5, 3, -2.0, 1.0] if op == "add_scalar" else [2.5, -1.25, 0.5, 3, -2.0, 0.0]
        shapes = [((3, 4), None), ((), None), ((2, 3, 4), None), ((4, 3), [T(0, 1)]),
                  ((0, 2), None), ((6, 2), [S(0, 1, 5, 2)])]
        return [case({"value": v}, [r.randn(*s)], vw and {0: vw}) for v, (s, vw) in zip(vals, shapes)]
    if op == "pow_scalar":
        spec = [  # (exponent, input kind, base shape, views)
            (0.5, "pos", (3, 4), None),
            (2.5, "pos", (5,), None),
            (-1.5, "pos", (2, 3), None),
            (1.5, "pos", (4, 3), [T(0, 1)]),
            (2, "mixed", (3, 4), None),
            (3, "mixed", (2, 3, 2), None),
            (-2, "mixed", (6,), [S(0, 0, 6, 2)]),
            (3, "mixed", (), None),
        ]
        return [case({"exponent": e}, [r.positive(*s) if k == "pos" else r.nonzero(*s, lo=0.3)],
                     vw and {0: vw}) for e, k, s, vw in spec]
    if op == "clamp":
        spec = [  # (min, max, base shape, views)
            (-0.5, 0.5, (3, 4), None),
            (-0.5, None, (3, 4), None),
            (None, 0.3, (2, 3, 2), None),
            (0.0, 1.0, (5,), None),
            (-1.0, 1.0, (4, 3), [T(0, 1)]),
            (-0.2, 0.7, (), None),
            (None, -0.1, (1, 4), [E(3, 4)]),
        ]
        return [case({"min": lo, "max": hi}, [push_away(r.randn(*s), (lo, hi))], vw and {0: vw})
                for lo, hi, s, vw in spec]
    raise KeyError(op)


def where_cases(op, r):
    spec = [  # (cond shape, x base shape, y base shape, views)
        ((3, 4), (3, 4), (3, 4), None),
        ((3, 1), (1, 4), (), None),
        ((4,), (2, 3, 4), (3, 1), None),
        ((2, 1, 3), (3,), (2, 4, 1), None),
        ((3, 4), (4, 3), (3, 1), {1: [T(0, 1)], 2: [E(3, 4)]}),
        ((0, 2), (2,), (), None),
    ]
    return [case({}, [r.mask(*c), r.randn(*x), r.randn(*y)], vw) for c, x, y, vw in spec]


def compare_cases(op, r):
    # Values drawn from {-1, 0, 1} so that roughly a third of pairs are ties.
    ti = lambda *shape: r.ints_as_float(-1, 2, *shape)
    scalar = ti()
    vec = ti(5)
    vec[2] = scalar  # make sure the 0-d case has a tie too
    out = [
        case({}, [ti(3, 4), ti(3, 4)]),
        case({}, [ti(3, 4), ti(4)]),
        case({}, [ti(2, 1, 3), ti(4, 1)]),
        case({}, [vec, scalar]),
    ]
    a, b = r.randn(2, 3), r.randn(2, 3)
    b = torch.where(r.mask(2, 3), a, b)  # exact ties on general float values
    out.append(case({}, [a, b]))
    out.append(case({}, [ti(4, 3), ti(3, 1)],
                    {0: [T(0, 1)], 1: [E(3, 4)]}))
    out.append(case({}, [r.randn(0, 3), r.randn(3)]))
    return out


def softmax_cases(op, r):
    big = r.randn(4, 5)
    big[0] += 1000.0                               # all around +1000
    big[1] -= 1000.0                               # all around -1000
    big[2] += 1000.0 * torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0], dtype=F64)  # spread +-1000
    big[3] *= 500.0                                # wide spread
    return [
        case({"dim": 0}, [r.randn(5)]),
        case({"dim": 1}, [r.randn(3, 4)]),
        case({"dim": 0}, [r.randn(3, 4)]),
        case({"dim": -1}, [r.randn(2, 3, 4)]),
        case({"dim": -2}, [r.randn(2, 3, 4)]),
        case({"dim": -1}, [big]),
        case({"dim": -1}, [r.randn(5, 3)], {0: [T(0, 1)]}),
        case({"dim": 1}, [r.randn(2, 6, 4)], {0: [S(1, 0, 6, 2)]}),
    ]


def reduce_cases(op, r):
    spec = [  # (dims, keepdim, base shape, views)
        (None, False, (3, 4), None),
        (None, True, (3, 4), None),
        ([1], False, (2, 3, 4), None),
        ([-1], True, (2, 3, 4), None),
        ([0, 2], False, (2, 3, 4), None),
        ([1], False, (3, 1, 4), None),
        ([0], False, (4, 3), [T(0, 1)]),
        ([0], False, (5,), None),
        (None, False, (), None),
        ([-2, 0], True, (3, 8, 2), [S(1, 1, 8, 2)]),
    ]
    if op == "logsumexp":  # large magnitudes (the maximum must come out first) and two non-adjacent dims
        big = r.randn(3, 4) * 300.0
        big[0] += 1000.0
        spec.append(([1], False, big, None))
        spec.append(([1, 3], True, (2, 3, 2, 4), None))
        spec.append(([0, 1, 2], False, (2, 3, 2), None))
        return [case({"dims": d, "keepdim": k}, [s if torch.is_tensor(s) else r.randn(*s)], vw and {0: vw}) for d, k, s, vw in spec]
    if op == "sum":  # only sum has a defined result over an empty dim (zeros)
        spec.append(([0], False, (0, 3), None))
        spec.append(([1], True, (1, 4), [E(3, 4)]))  # expand is fine for sum (no ties)
    return [case({"dims": d, "keepdim": k}, [r.randn(*s)], vw and {0: vw}) for d, k, s, vw in spec]


def var_cases(op, r):
    spec = [  # (dims, keepdim, correction, base shape, views)
        (None, False, 1, (3, 4), None),
        (None, True, 0, (3, 4), None),
        ([1], False, 1, (2, 3, 4), None),
        ([0, -1], True, 0, (2, 3, 4), None),
        ([0], False, 0, (5,), None),
        ([0], False, 1, (4, 3), [T(0, 1)]),
        ([1], False, 0, (3, 1, 4), None),  # size-1 dim, correction 0 -> zeros
        ([-1], True, 1, (1, 5), [E(3, 5)]),
    ]
    return [case({"dims": d, "keepdim": k, "correction": c}, [r.randn(*s)], vw and {0: vw})
            for d, k, c, s, vw in spec]


def argmax_cases(op, r):
    spec = [  # (dim, keepdim, base shape, views); r.distinct => no ties
        (None, False, (3, 4), None),
        (None, True, (3, 4), None),
        (1, False, (3, 4), None),
        (0, True, (3, 4), None),
        (-1, False, (2, 3, 4), None),
        (-2, True, (2, 3, 4), None),
        (1, False, (4, 3), [T(0, 1)]),
        (0, False, (5,), None),
    ]
    return [case({"dim": d, "keepdim": k}, [r.distinct(*s)], vw and {0: vw}) for d, k, s, vw in spec]


def matmul_cases(op, r):
    spec = [  # (base shape 0, base shape 1, views)
        ((3, 4), (4, 5), None),
        ((2, 3, 4), (2, 4, 2), None),
        ((2, 1, 3, 4), (5, 4, 2), None),
        ((4,), (4, 3), None),
        ((3, 4), (4,), None),
        ((4,), (4,), None),
        ((4,), (2, 4, 3), None),
        ((2, 3, 4), (4,), None),
        ((4, 3), (5, 4), {0: [T(0, 1)], 1: [T(0, 1)]}),
        ((2, 4, 3), (4, 2), {0: [T(1, 2)], 1: [E(2, 4, 2)]}),
    ]
    return [case({}, [r.randn(*a), r.randn(*b)], vw) for a, b, vw in spec]


def sdpa_cases(op, r):
    """Attention: self and cross, causal, bool and float masks (no query ever fully hidden,
    where PyTorch 1.13 gives NaN), a given scale, non-contiguous inputs, a wider value."""
    visible = r.mask(6, 6) | torch.eye(6, dtype=torch.bool)   # the diagonal keeps every row alive
    return [
        case({"causal": False, "scale": None}, [r.randn(2, 3, 4), r.randn(2, 5, 4), r.randn(2, 5, 4)]),
        case({"causal": True, "scale": None}, [r.randn(2, 2, 6, 8), r.randn(2, 2, 6, 8), r.randn(2, 2, 6, 8)]),
        case({"causal": True, "scale": None}, [r.randn(2, 6, 4), r.randn(2, 6, 4), r.randn(2, 6, 4), visible]),
        case({"causal": False, "scale": None}, [r.randn(2, 3, 4, 4), r.randn(2, 3, 5, 4), r.randn(2, 3, 5, 4), r.randn(2, 1, 4, 5)]),
        case({"causal": False, "scale": 0.3}, [r.randn(1, 3, 4), r.randn(1, 7, 4), r.randn(1, 7, 4)]),
        case({"causal": True, "scale": None}, [r.randn(3, 2, 4), r.randn(3, 2, 4), r.randn(2, 3, 4)],
             {0: [T(0, 1)], 1: [T(0, 1)], 2: [P(0, 1, 2)]}),
        case({"causal": False, "scale": None}, [r.randn(2, 3, 4), r.randn(2, 5, 4), r.randn(2, 5, 6)]),
        case({"causal": False, "scale": None}, [r.randn(70, 8), r.randn(70, 8), r.randn(70, 8)]),
        # the head sizes the GPU kernels specialise (64, 128) and a padded one (40), across 64-row
        # tiles, with causal masking and a key-padding mask (key 0 always visible)
        case({"causal": True, "scale": None}, [r.randn(1, 70, 64), r.randn(1, 70, 64), r.randn(1, 70, 64)]),
        case({"causal": False, "scale": None}, [r.randn(1, 8, 128), r.randn(1, 70, 128), r.randn(1, 70, 128), r.randn(1, 1, 70)]),
        case({"causal": True, "scale": None}, [r.randn(2, 33, 40), r.randn(2, 33, 40), r.randn(2, 33, 40),
                                               torch.cat([torch.ones(1, dtype=torch.bool), r.mask(32)])]),
    ]


def layer_norm_cases(op, r):
    """LayerNorm: one and two normalized dims, with and without weight and bias, leading batch
    dims, a larger eps, a transposed (non-contiguous) input, ragged row lengths."""
    spec = [  # (x base, normalized_shape, weight, bias, eps, views)
        ((3, 5), [5], True, True, 1e-5, None),
        ((2, 3, 4), [4], False, False, 1e-5, None),
        ((2, 3, 4), [3, 4], True, True, 1e-5, None),
        ((2, 2, 3, 6), [6], True, False, 1e-5, None),
        ((4, 7), [7], False, True, 0.1, None),
        ((6, 3), [6], True, True, 1e-5, {0: [T(0, 1)]}),
        ((3, 2, 5), [3, 5], True, True, 1e-5, {0: [P(1, 0, 2)]}),
        ((2, 17), [17], True, True, 1e-5, None),
        ((5, 1), [1], True, True, 1e-5, None),
    ]
    out = []
    for xs, ns, w, b, eps, vw in spec:
        ins = [r.randn(*xs, scale=2.0).add(0.5)]
        if w:
            ins.append(r.randn(*ns))
        if b:
            ins.append(r.randn(*ns))
        out.append(case({"normalized_shape": ns, "eps": eps, "weight": w, "bias": b}, ins, vw))
    return out


def cross_entropy_cases(op, r):
    """Per-sample cross-entropy: several widths, ignored rows, a wide logit range, a transposed
    (non-contiguous) input, one class, int32 targets."""
    spec = [  # (N, C, ignore_index, ignored rows, logit scale, views)
        (4, 5, -100, [], 1.0, None),
        (6, 3, -100, [1, 4], 1.0, None),
        (3, 17, 2, [0], 1.0, None),
        (5, 7, -100, [], 30.0, None),
        (4, 6, -100, [2], 1.0, {0: [T(0, 1)]}),
        (2, 1, -100, [], 1.0, None),
    ]
    out = []
    for n, c, ignore, ignored, scale, vw in spec:
        x = r.randn(c, n, scale=scale) if vw else r.randn(n, c, scale=scale)
        t = r.index(c, n)
        for i in ignored:
            t[i] = ignore
        out.append(case({"ignore_index": ignore}, [x, t], vw))
    return out


def dropout_cases(op, r):
    """Dropout with jgrad's Philox mask stream: several p (0 and 1 included), shapes, a view."""
    spec = [  # (p, seed, shape, views)
        (0.3, 1, (4, 6), None),
        (0.0, 2, (3, 5), None),
        (0.5, 3, (37,), None),
        (0.9, 4, (2, 3, 4), None),
        (0.25, 5, (6, 4), {0: [T(0, 1)]}),
        (1.0, 6, (5,), None),
    ]
    return [case({"p": pr, "seed": sd}, [r.randn(*shape)], vw) for pr, sd, shape, vw in spec]


def cat_cases(op, r):
    if op == "cat":
        spec = [  # (dim, base shapes, views)
            (0, [(2, 3), (4, 3)], None),
            (-1, [(2, 3), (2, 1), (2, 2)], None),
            (1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)], None),
            (0, [(3,), (2,)], None),
            (0, [(2, 3), (0, 3), (1, 3)], None),
            (-2, [(3, 2), (2, 6)], {0: [T(0, 1)], 1: [S(1, 0, 6, 2)]}),
            (2, [(2, 2, 1), (1, 2, 3)], {1: [E(2, 2, 3)]}),
        ]
    else:  # stack
        spec = [
            (0, [(3,), (3,)], None),
            (0, [(2, 3), (2, 3), (2, 3)], None),
            (-1, [(2, 3), (2, 3)], None),
            (1, [(2, 3), (2, 3)], None),
            (0, [(), (), ()], None),
            (2, [(4, 3), (1, 4)], {0: [T(0, 1)], 1: [E(3, 4)]}),
            (-3, [(3, 4), (3, 8)], {1: [S(1, 1, 8, 2)]}),
        ]
    return [case({"dim": d}, [r.randn(*s) for s in shapes], vw) for d, shapes, vw in spec]


def gather_cases(op, r):
    if op == "gather":
        spec = [  # (dim, input base shape, index shape, index range, views on input)
            (1, (3, 4), (3, 2), 4, None),
            (0, (3, 4), (2, 4), 3, None),
            (-1, (2, 3, 4), (2, 3, 5), 4, None),
            (1, (3, 4), (2, 2), 4, None),
            (-1, (4, 3), (3, 3), 4, {0: [T(0, 1)]}),
            (0, (5,), (7,), 5, None),
        ]
    else:  # index_select: 1-D index with repeats
        spec = [
            (0, (4, 3), (5,), 4, None),
            (1, (3, 4), (6,), 4, None),
            (-1, (2, 3, 4), (3,), 4, None),
            (0, (5,), (0,), 5, None),
            (0, (4, 3), (4,), 3, {0: [T(0, 1)]}),
            (1, (2, 3, 4), (4,), 3, None),
        ]
    out = []
    for d, xs, ish, hi, vw in spec:
        idx = r.index(hi, *ish)
        if op == "index_select" and idx.numel() > 1:
            idx[1] = idx[0]  # guarantee a repeated entry (gradient accumulation)
        out.append(case({"dim": d}, [r.randn(*xs), idx], vw))
    return out


def one_hot_cases(op, r):
    spec = [((5,), 4), ((2, 3), 5), ((), 3), ((0,), 3), ((2, 2, 2), 2), ((6,), 6)]
    return [case({"num_classes": n}, [r.index(n, *s)]) for s, n in spec]


def embedding_cases(op, r):
    spec = [  # (index shape, weight base shape, views on weight)
        ((4,), (5, 3), None),
        ((2, 3), (4, 2), None),
        ((), (3, 4), None),
        ((2, 2, 3), (6, 5), None),
        ((6,), (3, 5), {1: [T(0, 1)]}),
        ((0,), (3, 2), None),
    ]
    out = []
    for ish, ws, vw in spec:
        num = ws[1] if vw else ws[0]
        idx = r.index(num, *ish)
        if idx.dim() >= 1 and idx.numel() > 1:
            idx.view(-1)[1] = idx.view(-1)[0]  # guarantee a repeat
        out.append(case({}, [idx, r.randn(*ws)], vw))
    return out


def conv2d_cases(op, r):
    spec = [  # (x base, w base, stride, padding, dilation, groups, bias, views)
        ((1, 3, 5, 5), (4, 3, 3, 3), [1, 1], [0, 0], [1, 1], 1, True, None),
        ((3, 2, 7, 6), (3, 2, 3, 2), [2, 2], [1, 1], [1, 1], 1, False, None),
        ((1, 2, 7, 7), (2, 2, 3, 3), [1, 1], [2, 2], [2, 2], 1, True, None),
        ((2, 4, 5, 4), (6, 2, 3, 3), [1, 1], [1, 1], [1, 1], 2, True, None),
        ((1, 3, 6, 5), (6, 1, 3, 3), [2, 1], [1, 1], [1, 1], 3, True, None),
        ((2, 3, 5, 5), (3, 1, 3, 3), [1, 1], [1, 1], [1, 1], 3, False, None),
        ((3, 4, 4, 3), (5, 4, 1, 1), [1, 1], [0, 0], [1, 1], 1, True, None),
        ((2, 5, 6, 3), (4, 3, 2, 3), [1, 2], [1, 0], [1, 1], 1, True, {0: [P(0, 3, 1, 2)]}),
        ((1, 2, 6, 7), (3, 2, 2, 2), [2, 3], [0, 1], [2, 1], 1, False, {1: [T(2, 3)]}),
    ]
    out = []
    for xs, ws, st, pd, dl, g, bias, vw in spec:
        ins = [r.randn(*xs), r.randn(*ws, scale=0.5)]
        if bias:
            ins.append(r.randn(ws[0]))
        params = {"stride": st, "padding": pd, "dilation": dl, "groups": g, "bias": bias}
        out.append(case(params, ins, vw))
    return out


def interpolate_cases(op, r):
    spec = [  # (x base, size, scale_factor, mode, align_corners, views)
        ((2, 3, 4, 5), None, [2.0, 2.0], "nearest", False, None),
        ((1, 2, 4, 5), [7, 3], None, "nearest", False, None),
        ((2, 2, 3, 3), None, [1.5, 1.5], "nearest", False, None),
        ((2, 3, 4), None, [3.0], "nearest", False, None),
        ((1, 2, 2, 3, 2), [3, 4, 5], None, "nearest", False, None),
        ((2, 3, 4, 5), None, [2.0, 2.0], "bilinear", False, None),
        ((2, 2, 3, 4), None, [2.0, 2.0], "bilinear", True, None),
        ((1, 2, 3, 4), [5, 7], None, "bilinear", False, None),
        ((1, 1, 5, 7), [2, 3], None, "bilinear", False, None),
        ((1, 2, 3, 3), None, [1.7, 1.3], "bilinear", False, None),
        ((1, 2, 4, 4), [1, 3], None, "bilinear", True, None),
        ((2, 3, 4), None, [2.5], "linear", False, None),
        ((1, 2, 2, 3, 4), [3, 4, 2], None, "trilinear", True, None),
        ((2, 5, 4, 3), None, [2.0, 1.5], "bilinear", False, {0: [P(0, 3, 1, 2)]}),   # a permuted [2, 3, 5, 4] input
    ]
    out = []
    for xs, size, scale, mode, align, vw in spec:
        params = {"size": size, "scale_factor": scale, "mode": mode, "align_corners": align}
        out.append(case(params, [r.randn(*xs)], vw))
    return out


def group_norm_cases(op, r):
    spec = [  # (x base, groups, weight, bias, eps, views)
        ((2, 4, 3, 3), 2, True, True, 1e-5, None),
        ((3, 6, 5), 3, True, True, 1e-5, None),
        ((2, 3, 4), 1, False, False, 1e-5, None),
        ((2, 4, 2, 2), 4, True, False, 1e-3, None),     # one channel a group (instance norm)
        ((3, 8), 2, False, True, 1e-5, None),           # no positions
        ((2, 3, 2, 4), 2, True, True, 1e-5, {0: [P(0, 3, 1, 2)]}),   # a permuted [2, 4, 3, 2] input
    ]
    out = []
    for xs, groups, w, b, eps, vw in spec:
        c = xs[3] if vw else xs[1]
        ins = [r.randn(*xs, scale=2.0)]
        if w:
            ins.append(r.uniform(0.5, 1.5, c))
        if b:
            ins.append(r.randn(c))
        out.append(case({"groups": groups, "weight": w, "bias": b, "eps": eps}, ins, vw))
    return out


def conv_transpose2d_cases(op, r):
    spec = [  # (x base, w base [C_in, C_out/groups, kH, kW], stride, padding, output_padding, dilation, groups, bias, views)
        ((1, 3, 4, 4), (3, 2, 3, 3), [1, 1], [0, 0], [0, 0], [1, 1], 1, True, None),
        ((2, 2, 3, 4), (2, 3, 3, 3), [2, 2], [1, 1], [1, 1], [1, 1], 1, False, None),
        ((2, 4, 2, 2), (4, 2, 4, 4), [2, 2], [1, 1], [0, 0], [1, 1], 1, True, None),       # the DCGAN up-sampling block
        ((1, 4, 3, 3), (4, 1, 3, 3), [2, 1], [1, 0], [1, 0], [1, 1], 2, True, None),
        ((2, 3, 3, 2), (3, 2, 2, 3), [1, 2], [0, 1], [0, 1], [2, 1], 1, True, None),
        ((1, 2, 3, 3), (2, 2, 3, 3), [1, 1], [1, 1], [1, 1], [2, 2], 1, True, None),       # output_padding >= stride (< dilation)
        ((1, 3, 4, 4), (3, 1, 3, 3), [2, 2], [1, 1], [1, 1], [1, 1], 3, False, None),      # depthwise
        ((2, 4, 3, 3), (3, 2, 2, 2), [1, 1], [0, 0], [0, 0], [1, 1], 1, True, {0: [P(0, 3, 1, 2)], 1: [T(2, 3)]}),
    ]
    out = []
    for xs, ws, st, pd, opd, dl, g, bias, vw in spec:
        ins = [r.randn(*xs), r.randn(*ws, scale=0.5)]
        if bias:
            ins.append(r.randn(ws[1] * g))
        params = {"stride": st, "padding": pd, "output_padding": opd, "dilation": dl, "groups": g, "bias": bias}
        out.append(case(params, ins, vw))
    return out


def pool_cases(op, r):
    if op == "max_pool2d":
        spec = [  # (x base, kernel, stride, padding, dilation, ceil_mode, views)
            ((1, 1, 4, 4), [2, 2], [2, 2], [0, 0], [1, 1], False, None),
            ((2, 3, 5, 5), [3, 3], [2, 2], [1, 1], [1, 1], False, None),
            ((1, 2, 7, 7), [3, 3], [1, 1], [0, 0], [2, 2], False, None),
            ((1, 2, 6, 6), [3, 3], [2, 2], [0, 0], [1, 1], True, None),
            ((2, 1, 5, 7), [2, 3], [1, 2], [1, 1], [1, 1], False, None),
            ((1, 5, 6, 2), [2, 2], [2, 1], [0, 0], [1, 1], False, {0: [P(0, 3, 1, 2)]}),
            ((1, 1, 5, 5), [2, 2], [2, 2], [1, 1], [1, 1], True, None),
            ((1, 1, 7, 6), [3, 2], [2, 2], [1, 0], [2, 1], True, None),
        ]
        return [case({"kernel": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": c},
                     [r.distinct(*xs)], vw) for xs, k, s, p, d, c, vw in spec]
    spec = [  # avg_pool2d: (x base, kernel, stride, padding, ceil_mode, count_include_pad, views)
        ((1, 1, 4, 4), [2, 2], [2, 2], [0, 0], False, True, None),
        ((2, 3, 5, 5), [3, 3], [2, 2], [1, 1], False, True, None),
        ((2, 3, 5, 5), [3, 3], [2, 2], [1, 1], False, False, None),
        ((1, 2, 6, 6), [3, 3], [2, 2], [0, 0], True, True, None),
        ((1, 1, 5, 5), [2, 2], [2, 2], [1, 1], True, False, None),
        ((1, 1, 6, 6), [3, 3], [2, 2], [1, 1], True, True, None),
        ((2, 1, 5, 7), [2, 3], [1, 2], [1, 1], False, True, None),
        ((1, 5, 6, 2), [2, 2], [2, 1], [0, 0], False, True, {0: [P(0, 3, 1, 2)]}),
    ]
    return [case({"kernel": k, "stride": s, "padding": p, "ceil_mode": c, "count_include_pad": cip},
                 [r.randn(*xs)], vw) for xs, k, s, p, c, cip, vw in spec]


def view_cases(op, r):
    tr = [T(0, 1)]  # the usual non-contiguous input: base [4,3] transposed to [3,4]
    spec = {  # op -> list of (params, base shape, views on input 0)
        "reshape": [({"shape": [6, 4]}, (2, 3, 4), None),
                    ({"shape": [4, -1]}, (2, 3, 4), None),
                    ({"shape": [3, 2, 2]}, (12,), None),
                    ({"shape": []}, (1,), None),
                    ({"shape": [-1]}, (4, 3), tr),
                    ({"shape": [2, -1, 3]}, (4, 3), tr),
                    ({"shape": [3, 0]}, (0, 3), None)],
        "permute": [({"dims": [2, 0, 1]}, (2, 3, 4), None),
                    ({"dims": [1, 0]}, (3, 4), None),
                    ({"dims": [1, 3, 0, 2]}, (2, 1, 3, 2), None),
                    ({"dims": [-1, 0, 1]}, (2, 3, 4), None),
                    ({"dims": [1, 0]}, (4, 3), tr)],
        "transpose": [({"dim0": 0, "dim1": 1}, (3, 4), None),
                      ({"dim0": 0, "dim1": 2}, (2, 3, 4), None),
                      ({"dim0": -1, "dim1": -2}, (2, 3, 4), None),
                      ({"dim0": 1, "dim1": 1}, (2, 3), None),
                      ({"dim0": 0, "dim1": 1}, (4, 3), tr)],
        "narrow": [({"dim": 0, "start": 1, "length": 3}, (5, 4), None),
                   ({"dim": 1, "start": 2, "length": 4}, (3, 6), None),
                   ({"dim": -1, "start": 0, "length": 2}, (2, 3, 4), None),
                   ({"dim": 0, "start": 2, "length": 0}, (4, 3), None),
                   ({"dim": 1, "start": 1, "length": 2}, (4, 3), tr)],
        "select": [({"dim": 0, "index": 1}, (3, 4), None),
                   ({"dim": 1, "index": -1}, (3, 4), None),
                   ({"dim": -2, "index": 2}, (2, 3, 4), None),
                   ({"dim": 0, "index": 3}, (5,), None),
                   ({"dim": 1, "index": -2}, (4, 3), tr)],
        "slice": [({"dim": 0, "start": 0, "end": 6, "step": 2}, (6, 3), None),
                  ({"dim": 1, "start": 1, "end": 6, "step": 2}, (4, 7), None),
                  ({"dim": -1, "start": 1, "end": 8, "step": 3}, (2, 3, 8), None),
                  ({"dim": 0, "start": 1, "end": 4, "step": 1}, (5, 2), None),
                  ({"dim": 0, "start": 2, "end": 2, "step": 1}, (4, 3), None),
                  ({"dim": 1, "start": 0, "end": 4, "step": 3}, (4, 3), tr)],
        "expand": [({"shape": [3, 4]}, (3, 1), None),
                   ({"shape": [2, 3, 4]}, (4,), None),
                   ({"shape": [2, -1, 5]}, (1, 3, 1), None),
                   ({"shape": [3, 2]}, (), None),
                   ({"shape": [4, -1]}, (1, 6), [S(1, 0, 6, 2)])],
        "squeeze": [({"dim": 1}, (3, 1, 4), None),
                    ({"dim": None}, (1, 3, 1), None),
                    ({"dim": 0}, (3, 4), None),
                    ({"dim": -1}, (2, 1), None),
                    ({"dim": None}, (1,), None),
                    ({"dim": 1}, (1, 6), [S(1, 1, 2, 1), T(0, 1)])],
        "unsqueeze": [({"dim": 0}, (3, 4), None),
                      ({"dim": 2}, (3, 4), None),
                      ({"dim": -1}, (3, 4), None),
                      ({"dim": 0}, (), None),
                      ({"dim": 1}, (4, 3), tr)],
        "flatten": [({"start": 0, "end": -1}, (2, 3, 4), None),
                    ({"start": 1, "end": 2}, (2, 3, 4), None),
                    ({"start": 1, "end": 2}, (2, 3, 4, 2), None),
                    ({"start": 0, "end": -1}, (), None),
                    ({"start": 0, "end": 1}, (4, 3), tr),
                    ({"start": 1, "end": 1}, (3, 4), None)],
        "contiguous": [({}, (3, 4), None),
                       ({}, (4, 3), tr),
                       ({}, (6, 4), [S(0, 1, 6, 2)]),
                       ({}, (1, 4), [E(3, 4)]),
                       ({}, (), None)],
    }[op]
    return [case(p, [r.randn(*s)], vw and {0: vw}) for p, s, vw in spec]


def with_indices_cases(op, r):
    """max/min along a dim: values without ties (gradcheck), indices with ties (the first wins)."""
    draw = (lambda *shape: r.ints_as_float(-1, 2, *shape)) if op.endswith("_indices") else r.distinct
    spec = [  # (dim, keepdim, base shape, views)
        (1, False, (3, 4), None),
        (0, True, (3, 4), None),
        (-1, False, (2, 3, 4), None),
        (1, True, (2, 3, 4), None),
        (0, False, (5,), None),
        (0, False, (4, 3), [T(0, 1)]),
        (0, False, (), None),
    ]
    return [case({"dim": d, "keepdim": k}, [draw(*s)], vw and {0: vw}) for d, k, s, vw in spec]


def sort_cases(op, r):
    """sort/topk values without ties (gradcheck); argsort with ties (stable order)."""
    draw = (lambda *shape: r.ints_as_float(-1, 2, *shape)) if op == "argsort" else r.distinct
    if op in ("sort", "argsort"):
        spec = [  # (dim, descending, base shape, views)
            (-1, False, (3, 5), None),
            (0, True, (4, 3), None),
            (1, False, (2, 4, 3), None),
            (-1, True, (6,), None),
            (0, False, (4, 3), [T(0, 1)]),
            (1, True, (3, 7), [S(1, 0, 7, 2)]),
            (0, False, (), None),
        ]
        return [case({"dim": d, "descending": desc}, [draw(*s)], vw and {0: vw}) for d, desc, s, vw in spec]
    spec = [  # topk: (k, dim, largest, base shape, views)
        (2, -1, True, (3, 5), None),
        (1, 0, False, (4, 3), None),
        (3, 1, True, (2, 4, 3), None),
        (6, -1, False, (6,), None),
        (0, -1, True, (2, 3), None),
        (2, 0, True, (4, 3), [T(0, 1)]),
        (40, 1, True, (2, 300), None),
        (1, 0, False, (), None),
    ]
    return [case({"k": k, "dim": d, "largest": lg}, [r.distinct(*s)], vw and {0: vw}) for k, d, lg, s, vw in spec]


def scan_cases(op, r):
    spec = [  # (dim, base shape, views)
        (0, (5,), None),
        (1, (3, 4), None),
        (0, (3, 4), None),
        (-1, (2, 3, 4), None),
        (1, (2, 3, 4), None),
        (0, (4, 3), [T(0, 1)]),
        (0, (), None),
    ]
    out = [case({"dim": d}, [r.randn(*s)], vw and {0: vw}) for d, s, vw in spec]
    if op == "cumprod":  # rows with one zero, two zeros and a zero at the start: the gradient must stay exact
        z = r.randn(4, 5)
        z[0, 2] = 0.0
        z[1, 1] = 0.0
        z[1, 3] = 0.0
        z[2, 0] = 0.0
        out.append(case({"dim": 1}, [z]))
        out.append(case({"dim": 0}, [z.t().contiguous()]))
    return out


def prod_cases(op, r):
    z = r.randn(3, 4)
    z[0, 1] = 0.0             # one zero in row 0
    z[1, 0] = z[1, 2] = 0.0   # two in row 1
    spec = [  # (dim, keepdim, input)
        (None, False, r.randn(3, 4)),
        (1, False, r.randn(3, 4)),
        (0, True, r.randn(3, 4)),
        (-1, False, r.randn(2, 3, 4)),
        (1, False, z),
        (0, False, z),
        (None, False, z[0].clone()),
        (None, False, r.randn()),
    ]
    return [case({"dim": d, "keepdim": k}, [x]) for d, k, x in spec]


def any_all_cases(op, r):
    x = r.ints_as_float(0, 2, 3, 4)
    x[1] = 1.0   # a row of all non-zeros
    x[2] = 0.0   # a row of all zeros
    spec = [
        ({"dim": None, "keepdim": False}, x),
        ({"dim": 1, "keepdim": False}, x),
        ({"dim": 0, "keepdim": True}, x),
        ({"dim": -1, "keepdim": False}, r.mask(2, 3, 4)),
        ({"dim": 0, "keepdim": False}, r.index(3, 5, 2)),
        ({"dim": 1, "keepdim": False}, r.randn(2, 0)),
    ]
    return [case(p, [t]) for p, t in spec]


def norm_cases(op, r):
    spec = [  # (ord, dims, keepdim, input kind, base shape)
        (2, None, False, "any", (3, 4)),
        (2, [1], True, "any", (3, 4)),
        (2, [-2, -1], False, "any", (2, 3, 4)),   # Frobenius norm of each matrix
        (1, [0], False, "nonzero", (3, 4)),
        ("inf", [1], False, "distinct", (3, 4)),
        ("-inf", None, False, "distinct", (3, 4)),
        (3, [-1], False, "nonzero", (2, 5)),
        (0.5, [0], True, "nonzero", (4, 3)),
        (1.5, None, False, "nonzero", (6,)),
    ]
    draw = {"any": r.randn, "nonzero": r.nonzero, "distinct": r.distinct}
    return [case({"ord": o, "dims": d, "keepdim": k}, [draw[kind](*s)]) for o, d, k, kind, s in spec]


def split_cases(op, r):
    if op == "split":
        spec = [({"split": 2, "dim": 0}, (5, 3)), ({"split": 3, "dim": -1}, (2, 7)),
                ({"split": [1, 3, 0, 2], "dim": 1}, (2, 6, 2)), ({"split": [4], "dim": 0}, (4,))]
    elif op == "chunk":
        spec = [({"chunks": 2, "dim": 0}, (5, 3)), ({"chunks": 3, "dim": -1}, (2, 7)),
                ({"chunks": 4, "dim": 1}, (2, 6, 2)), ({"chunks": 1, "dim": 0}, (3,))]
    else:
        spec = [({"dim": 0}, (3, 4)), ({"dim": 1}, (2, 3, 4)), ({"dim": -1}, (2, 5)), ({"dim": 0}, (1,))]
    out = [case(p, [r.randn(*s)]) for p, s in spec]
    out.append(case(dict(spec[1][0]), [r.randn(7, 2)], {0: [T(0, 1)]}))
    return out


def repeat_cases(op, r):
    if op == "repeat":
        spec = [([2, 3], (2, 3)), ([2, 1, 3], (3,)), ([1, 1], (2, 2)), ([3], ()), ([2, 0], (2, 3)), ([2, 2, 1], (1, 2, 3))]
        out = [case({"repeats": rp}, [r.randn(*s)]) for rp, s in spec]
        out.append(case({"repeats": [2, 2]}, [r.randn(3, 2)], {0: [T(0, 1)]}))
        return out
    spec = [([2], (2, 3)), ([2, 3], (2,)), ([1, 2, 2], (2, 3)), ([3], ()), ([2, 1], (3, 2))]
    out = [case({"reps": rp}, [r.randn(*s)]) for rp, s in spec]
    out.append(case({"reps": [2]}, [r.randn(3, 2)], {0: [T(0, 1)]}))
    return out


def flip_roll_cases(op, r):
    if op == "flip":
        spec = [({"dims": [0]}, (5,), None), ({"dims": [0, 1]}, (3, 4), None), ({"dims": [-1]}, (2, 3, 4), None),
                ({"dims": [2, 0]}, (2, 3, 4), None), ({"dims": []}, (3, 2), None), ({"dims": [1]}, (4, 3), [T(0, 1)]),
                ({"dims": [0]}, (), None)]
    else:
        spec = [({"shifts": [1], "dims": [0]}, (5,), None), ({"shifts": [-2], "dims": [1]}, (3, 4), None),
                ({"shifts": [1, 5], "dims": [0, -1]}, (2, 3, 4), None), ({"shifts": [3], "dims": []}, (3, 4), None),
                ({"shifts": [7], "dims": [0]}, (3,), None), ({"shifts": [1], "dims": [1]}, (4, 3), [T(0, 1)])]
    return [case(p, [r.randn(*s)], vw and {0: vw}) for p, s, vw in spec]


def mask_cases(op, r):
    if op == "masked_fill":
        spec = [(0.5, (3, 4), (3, 4)), (-2.0, (3, 4), (4,)), (0.0, (2, 3, 4), (3, 1)), (1.5, (), ())]
        out = [case({"value": v}, [r.randn(*x), r.mask(*m)]) for v, x, m in spec]
        out.append(case({"value": 3.0}, [r.randn(4, 3), r.mask(3, 4)], {0: [T(0, 1)]}))
        return out
    spec = [(0, (4, 4)), (1, (3, 5)), (-1, (5, 3)), (2, (2, 3, 4)), (-5, (3, 3)), (0, (2, 1, 3, 3))]
    out = [case({"diagonal": k}, [r.randn(*s)]) for k, s in spec]
    out.append(case({"diagonal": 0}, [r.randn(4, 3)], {0: [T(0, 1)]}))
    return out


def where_scalar_cases(op, r):
    return [
        case({"form": "ts", "a": None, "b": 0.5}, [r.mask(3, 4), r.randn(3, 4)]),
        case({"form": "ts", "a": None, "b": -2.0}, [r.mask(3, 1), r.randn(4)]),
        case({"form": "st", "a": 1.5, "b": None}, [r.mask(2, 3), r.randn(2, 3)]),
        case({"form": "st", "a": 0.0, "b": None}, [r.mask(4,), r.randn(2, 4)]),
        case({"form": "ts", "a": None, "b": 3.0}, [r.mask(3, 4), r.randn(4, 3)], {1: [T(0, 1)]}),
    ]


def clamp_tensor_cases(op, r):
    out = []
    spec = [  # (has min, has max, x shape, min shape, max shape); the bounds broadcast to x (torch 1.13's backward needs that)
        (True, True, (3, 4), (3, 4), (3, 4)),
        (True, False, (3, 4), (4,), None),
        (False, True, (2, 3), None, (2, 1)),
        (True, True, (3, 4), (), (4,)),
        (True, True, (3, 4), (3, 4), (3, 4)),   # some min > max: the result is max
    ]
    for i, (hl, hh, xs, ls, hs) in enumerate(spec):
        lo = r.randn(*ls) - 0.5 if hl else None
        hi = r.randn(*hs) + 0.5 if hh else None
        if i == 4:
            hi = lo - 0.3   # min > max everywhere
        x = r.randn(*xs)
        for b in (lo, hi):   # keep x away from the bounds (gradcheck)
            if b is not None:
                bb = b.expand(torch.broadcast_shapes(b.shape, x.shape))
                xx = x.expand(bb.shape)
                near = (xx - bb).abs() < 0.05
                x = torch.where(near, xx + 0.2, xx).clone() if near.any() else x
        ins = [x] + [t for t in (lo, hi) if t is not None]
        out.append(case({"min": hl, "max": hh}, ins))
    return out


def pad_cases(op, r):
    spec = [  # (pad, mode, value, base shape)
        ([1, 2], "constant", 0.0, (2, 3)),
        ([1, 1, 2, 0], "constant", 1.5, (2, 3)),
        ([-1, 2], "constant", 0.0, (2, 4)),
        ([0, 0, 1, -1, 1, 1], "constant", -2.0, (2, 3, 4)),
        ([2, 1], "reflect", 0.0, (2, 2, 4)),
        ([1, 2, 2, 1], "reflect", 0.0, (1, 2, 3, 4)),
        ([1, 1], "reflect", 0.0, (2, 5)),
        ([2, 3], "replicate", 0.0, (2, 2, 3)),
        ([1, 0, 0, 2], "replicate", 0.0, (1, 2, 2, 3)),
        ([1, 1, 1, 1, 1, 1], "replicate", 0.0, (1, 1, 2, 2, 2)),
    ]
    out = [case({"pad": p, "mode": m, "value": v}, [r.randn(*s)]) for p, m, v, s in spec]
    out.append(case({"pad": [1, 1], "mode": "reflect", "value": 0.0}, [r.randn(2, 4, 3)], {0: [T(1, 2)]}))
    return out


def einsum_cases(op, r):
    spec = [  # (equation, operand shapes, views)
        ("ij,jk->ik", [(2, 3), (3, 4)], None),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], None),
        ("ij,jk", [(2, 3), (3, 4)], None),
        ("i,i->", [(4,), (4,)], None),
        ("i,j->ij", [(3,), (4,)], None),
        ("ii->i", [(3, 3)], None),
        ("ii", [(4, 4)], None),
        ("ij->ji", [(2, 3)], None),
        ("ij->", [(2, 3)], None),
        ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)], None),
        ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)], None),
        ("...j->j", [(2, 3, 4)], None),
        ("i...,i->...", [(3, 2, 2), (3,)], None),
        ("ij,ij->ij", [(2, 3), (1, 3)], None),
        ("iij->ij", [(2, 2, 3)], None),
        ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)], None),
        ("Ab,ab->Aa", [(2, 3), (4, 3)], None),
        ("ij,jk->ik", [(3, 2), (3, 4)], {0: [T(0, 1)]}),
        ("", [()], None),
    ]
    return [case({"equation": eq}, [r.randn(*s) for s in shapes], vw) for eq, shapes, vw in spec]


# op family -> (case function, ops in the family)
FAMILIES = [
    (unary_cases, ["neg", "exp", "expm1", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "erf", "gelu"]),
    (binary_cases, ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]),
    (scalar_cases, ["add_scalar", "mul_scalar", "pow_scalar", "clamp"]),
    (where_cases, ["where"]),
    (compare_cases, ["eq", "ne", "lt", "le", "gt", "ge"]),
    (softmax_cases, ["softmax", "log_softmax"]),
    (reduce_cases, ["sum", "mean", "amax", "amin", "logsumexp"]),
    (var_cases, ["var"]),
    (argmax_cases, ["argmax"]),
    (matmul_cases, ["matmul"]),
    (sdpa_cases, ["sdpa"]),
    (layer_norm_cases, ["layer_norm"]),
    (group_norm_cases, ["group_norm"]),
    (interpolate_cases, ["interpolate"]),
    (cross_entropy_cases, ["cross_entropy"]),
    (dropout_cases, ["dropout"]),
    (cat_cases, ["cat", "stack"]),
    (gather_cases, ["gather", "index_select"]),
    (one_hot_cases, ["one_hot"]),
    (embedding_cases, ["embedding"]),
    (conv2d_cases, ["conv2d"]),
    (conv_transpose2d_cases, ["conv_transpose2d"]),
    (pool_cases, ["max_pool2d", "avg_pool2d"]),
    (view_cases, ["reshape", "permute", "transpose", "narrow", "select", "slice",
                  "expand", "squeeze", "unsqueeze", "flatten", "contiguous"]),
    (with_indices_cases, ["max_dim", "max_dim_indices", "min_dim", "min_dim_indices"]),
    (sort_cases, ["sort", "argsort", "topk", "topk_indices"]),
    (scan_cases, ["cumsum", "cumprod"]),
    (prod_cases, ["prod"]),
    (any_all_cases, ["any", "all"]),
    (norm_cases, ["norm"]),
    (split_cases, ["split", "chunk", "unbind"]),
    (repeat_cases, ["repeat", "tile"]),
    (flip_roll_cases, ["flip", "roll"]),
    (mask_cases, ["masked_fill", "tril", "triu"]),
    (where_scalar_cases, ["where_scalar"]),
    (clamp_tensor_cases, ["clamp_tensor"]),
    (pad_cases, ["pad"]),
    (einsum_cases, ["einsum"]),
]
CASE_FN = {op: fn for fn, ops in FAMILIES for op in ops}
assert set(CASE_FN) == set(TORCH_OPS)


# =============================================================================
# Running a case through torch
# =============================================================================

def evaluate(op, params, bases, gout=None):
    """Run op on the (viewed) bases.  Returns (out, grads) where grads[j] is the
    gradient w.r.t. base j (None for non-floating inputs), or grads=None when
    the output is not floating point or no gout is given."""
    views = params.get("views", {})
    leaves = [b.detach().clone().requires_grad_(b.is_floating_point()) for b in bases]
    actual = [apply_views(l, views.get(str(j), [])) for j, l in enumerate(leaves)]
    with torch.set_grad_enabled(True):
        out = TORCH_OPS[op](actual, params)
    if gout is None or not out.is_floating_point():
        return out.detach(), None
    diff = [l for l in leaves if l.requires_grad]
    gs = iter(torch.autograd.grad(out, diff, gout, allow_unused=True))
    grads = []
    for l in leaves:
        if not l.requires_grad:
            grads.append(None)
            continue
        g = next(gs)
        grads.append(torch.zeros_like(l) if g is None else g.detach())
    return out.detach(), grads


def gradcheck_case(op, params, bases):
    """Finite-difference check of torch's own backward for this case."""
    fl = [j for j, b in enumerate(bases) if b.is_floating_point()]
    views = params.get("views", {})

    def fn(*xs):
        full = list(bases)
        for j, x in zip(fl, xs):
            full[j] = x
        actual = [apply_views(t, views.get(str(j), [])) for j, t in enumerate(full)]
        return TORCH_OPS[op](actual, params)

    xs = tuple(bases[j].detach().clone().requires_grad_(True) for j in fl)
    assert torch.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-5, rtol=1e-4), (op, params)


def build_op(op):
    """Generate all cases of one op; returns (tensors, metadata)."""
    r = Rand(seed_for(op))
    cases = CASE_FN[op](op, r)
    tensors, meta = [], {"op": op, "cases": str(len(cases))}
    for i, (params, bases) in enumerate(cases):
        meta["case%d" % i] = json.dumps(params, separators=(",", ":"))
        out, _ = evaluate(op, params, bases)
        for j, b in enumerate(bases):
            tensors.append(("c%d.in%d" % (i, j), b.contiguous()))
        tensors.append(("c%d.out" % i, out.contiguous()))
        if out.is_floating_point():
            gout = r.randn(*out.shape)
            out2, grads = evaluate(op, params, bases, gout)
            assert torch.equal(out, out2)
            tensors.append(("c%d.gout" % i, gout))
            for j, g in enumerate(grads):
                if g is not None:
                    assert g.shape == bases[j].shape
                    tensors.append(("c%d.grad%d" % (i, j), g.contiguous()))
            gradcheck_case(op, params, bases)
    return tensors, meta


# =============================================================================
# --verify: independent reader (numpy + json only for the format checks)
# =============================================================================

NP_DTYPES = {"F64": ("<f8", 8), "F32": ("<f4", 4), "I64": ("<i8", 8), "I32": ("<i4", 4), "BOOL": ("|b1", 1)}


def read_safetensors(path):
    """Parse a safetensors file, checking the layout rules.  Returns
    (metadata, {name: numpy array})."""
    with open(path, "rb") as f:
        blob = f.read()
    assert len(blob) >= 8, "too short"
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header length past end of file"
    assert (8 + n) % 8 == 0, "data buffer not 8-byte aligned"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), "metadata must be strings"
    spans, arrays = [], {}
    for name, info in header.items():
        assert set(info) == {"dtype", "shape", "data_offsets"}, name
        np_dtype, size = NP_DTYPES[info["dtype"]]
        shape = info["shape"]
        assert all(isinstance(s, int) and s >= 0 for s in shape), name
        b, e = info["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        assert 0 <= b <= e <= len(data) and e - b == count * size, (name, b, e, count)
        spans.append((b, e, name))
        arrays[name] = np.frombuffer(data[b:e], dtype=np_dtype).reshape(shape)
    spans.sort()
    pos = 0
    for b, e, name in spans:
        assert b == pos, "gap or overlap before %s" % name
        pos = e
    assert pos == len(data), "tensors do not cover the data buffer"
    return meta, arrays


def round_trip_equal(got, written):
    """Equal, or for floats equal to 1e-12 relative: matmul and sdpa go through the BLAS torch
    loads, and a different BLAS build (reference BLAS vs OpenBLAS) changes the last bits."""
    if got.dtype != written.dtype or got.shape != written.shape:
        return False
    if np.array_equal(got, written):
        return True
    if not np.issubdtype(got.dtype, np.floating):
        return False
    scale = max(1.0, float(np.abs(written).max()))
    return bool(np.allclose(got, written, rtol=1e-12, atol=1e-12 * scale))


def verify_file(path, recompute=True):
    meta, arrays = read_safetensors(path)
    op = os.path.basename(path)[: -len(".safetensors")]
    assert meta.get("op") == op, "op name mismatch"
    ncases = int(meta["cases"])
    assert set(meta) == {"op", "cases"} | {"case%d" % i for i in range(ncases)}
    expected = set()
    for i in range(ncases):
        params = json.loads(meta["case%d" % i])
        ins = []
        while "c%d.in%d" % (i, len(ins)) in arrays:
            ins.append(arrays["c%d.in%d" % (i, len(ins))])
        assert ins, "case %d has no inputs" % i
        out = arrays["c%d.out" % i]
        names = {"c%d.in%d" % (i, j) for j in range(len(ins))} | {"c%d.out" % i}
        if out.dtype == np.float64:
            gout = arrays["c%d.gout" % i]
            assert gout.shape == out.shape
            names.add("c%d.gout" % i)
            for j, x in enumerate(ins):
                if x.dtype == np.float64:
                    assert arrays["c%d.grad%d" % (i, j)].shape == x.shape
                    names.add("c%d.grad%d" % (i, j))
        for name in names:
            a = arrays[name]
            if a.dtype == np.float64:
                assert np.all(np.isfinite(a)), "non-finite values in " + name
        expected |= names
        if recompute:  # round-trip: re-run torch on what was read back
            bases = [torch.from_numpy(x.copy()) for x in ins]
            gout = torch.from_numpy(arrays["c%d.gout" % i].copy()) if "c%d.gout" % i in arrays else None
            o, grads = evaluate(op, params, bases, gout)
            assert round_trip_equal(o.contiguous().numpy(), out), "case %d out differs" % i
            for j, g in enumerate(grads or []):
                if g is not None:
                    assert round_trip_equal(g.numpy(), arrays["c%d.grad%d" % (i, j)]), "case %d grad%d" % (i, j)
    assert set(arrays) == expected, "unexpected tensors: %s" % sorted(set(arrays) ^ expected)
    return ncases


# =============================================================================
# main
# =============================================================================

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="re-read and check the written fixtures")
    ap.add_argument("--only", help="comma-separated subset of ops")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ops = args.only.split(",") if args.only else list(CASE_FN)
    for op in ops:
        if op not in CASE_FN:
            sys.exit("unknown op %r" % op)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for op in ops:
        path = os.path.join(OUT_DIR, op + ".safetensors")
        if args.verify:
            n = verify_file(path)
            status = "ok"
        else:
            tensors, meta = build_op(op)
            write_safetensors(path, tensors, meta)
            n = int(meta["cases"])
            status = "written"
        size = os.path.getsize(path)
        total += size
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        print("%-14s %2d cases %7d bytes  sha256:%s  %s" % (op, n, size, digest, status))
    print("total %d bytes in %d files" % (total, len(ops)))


if __name__ == "__main__":
    main()
