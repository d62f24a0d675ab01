#!/usr/bin/python3
"""PyTorch oracle fixtures for jgrad's sequence layers.

Runs small configurations of torch.nn.RNN (tanh and relu), LSTM, GRU,
MultiheadAttention, TransformerEncoderLayer and TransformerEncoder in float64
and writes, per configuration, the module's state dict, the inputs, the
outputs (with final states / attention weights), a random upstream gradient
for each output and the gradients of sum(out * gout) with respect to every
floating input and every parameter, to

    nn/src/test/resources/oracle-seq/<family>.safetensors

The Java tests (dev.jgrad.nn.SeqOracleTest) load each state dict into the
jgrad module with loadStateDict, so the parameter names are checked too.

    /usr/bin/python3 tools/oracle/generate_seq.py           # (re)write the fixtures
    /usr/bin/python3 tools/oracle/generate_seq.py --check   # regenerate in memory, compare with the files

Deterministic: each family draws from its own torch.Generator seeded with the
CRC32 of its name, torch runs on one thread, and every parameter is
overwritten with values from that generator (so biases and layer-norm affine
parameters are not trivially 0 / 1). Dropout probabilities are 0, or the
module runs in eval mode ("train": false), so no randomness reaches the
outputs. The format is described in tools/oracle/README.md.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import zlib

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import write_safetensors  # noqa: E402  (the shared hand-written safetensors writer)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "nn", "src", "test", "resources", "oracle-seq")
F64 = torch.float64


class Rand:
    def __init__(self, name):
        self.g = torch.Generator().manual_seed(zlib.crc32(name.encode("utf-8")))

    def randn(self, *shape, scale=1.0):
        return torch.randn(shape, generator=self.g, dtype=F64) * scale

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(shape, generator=self.g, dtype=F64)

    def mask(self, *shape, p=0.3):
        return torch.rand(shape, generator=self.g) < p


def randomize(module, r, scale):
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(r.uniform(-scale, scale, *p.shape))


def run_case(module, inputs, call, r, train):
    """inputs: dict name -> tensor. call(module, inputs) -> dict name -> output tensor.
    Returns the tensors to store for one case (without the c<i>. prefix)."""
    module.train(train)
    leaves = {}
    for k, v in inputs.items():
        if v is not None and v.is_floating_point() and not k.endswith("mask"):
            v = v.clone().requires_grad_(True)
        leaves[k] = v
    outs = call(module, leaves)
    gouts = {k: r.randn(*v.shape) for k, v in outs.items()}
    loss = sum((outs[k] * gouts[k]).sum() for k in outs)
    params = dict(module.named_parameters())
    wrt = [v for v in leaves.values() if v is not None and v.requires_grad] + list(params.values())
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    out = []
    for k, v in module.state_dict().items():
        out.append(("p." + k, v.detach().clone()))
    for k, v in leaves.items():
        if v is not None:
            out.append(("in." + k, v.detach()))
    for k, v in outs.items():
        assert torch.isfinite(v).all(), "non-finite output " + k
        out.append(("out." + k, v.detach()))
        out.append(("gout." + k, gouts[k]))
    names = [k for k, v in leaves.items() if v is not None and v.requires_grad] + ["p." + k for k in params]
    for k, g in zip(names, grads):
        assert g is not None, "no gradient for " + k
        out.append(("grad." + (k if k.startswith("p.") else "in." + k), g.detach()))
    return out


# =============================================================================
# Recurrent layers
# =============================================================================

RNN_CASES = [  # layers, batch_first, bidirectional, bias, initial state, batched, dropout, train
    dict(num_layers=1, batch_first=False, bidirectional=False, bias=True, h0=False, batched=True, dropout=0.0, train=True),
    dict(num_layers=2, batch_first=True, bidirectional=False, bias=True, h0=True, batched=True, dropout=0.0, train=True),
    dict(num_layers=2, batch_first=False, bidirectional=True, bias=True, h0=True, batched=True, dropout=0.0, train=True),
    dict(num_layers=1, batch_first=True, bidirectional=True, bias=False, h0=False, batched=True, dropout=0.0, train=True),
    dict(num_layers=2, batch_first=False, bidirectional=False, bias=True, h0=True, batched=False, dropout=0.0, train=True),
    dict(num_layers=2, batch_first=True, bidirectional=False, bias=True, h0=False, batched=True, dropout=0.5, train=False),
]


def recurrent_family(kind):
    r = Rand(kind)
    T, N, I, H = 4, 3, 3, 4
    variants = []
    for c in RNN_CASES:
        if kind == "rnn":
            for nl in ("tanh", "relu"):
                variants.append(dict(c, mode="rnn", nonlinearity=nl, proj_size=0))
        else:
            variants.append(dict(c, mode=kind, proj_size=0))
    if kind == "lstm":
        variants.append(dict(RNN_CASES[2], mode="lstm", proj_size=2))
        variants.append(dict(RNN_CASES[1], mode="lstm", proj_size=3, batched=False))
    cases = []
    for v in variants:
        p = dict(v, input_size=I, hidden_size=H)
        kw = dict(input_size=I, hidden_size=H, num_layers=p["num_layers"], bias=p["bias"], batch_first=p["batch_first"],
                  dropout=p["dropout"], bidirectional=p["bidirectional"])
        if kind == "rnn":
            m = nn.RNN(nonlinearity=p["nonlinearity"], **kw)
        elif kind == "lstm":
            m = nn.LSTM(proj_size=p["proj_size"], **kw)
        else:
            m = nn.GRU(**kw)
        m = m.double()
        randomize(m, r, 0.6)
        D = 2 if p["bidirectional"] else 1
        hout = p["proj_size"] or H
        if p["batched"]:
            x = r.randn(N, T, I) if p["batch_first"] else r.randn(T, N, I)
            hshape, cshape = (D * p["num_layers"], N, hout), (D * p["num_layers"], N, H)
        else:
            x = r.randn(T, I)
            hshape, cshape = (D * p["num_layers"], hout), (D * p["num_layers"], H)
        inputs = {"x": x}
        if p["h0"]:
            inputs["h0"] = r.randn(*hshape, scale=0.5)
            if kind == "lstm":
                inputs["c0"] = r.randn(*cshape, scale=0.5)

        def call(mod, a, lstm=(kind == "lstm")):
            if "h0" in a:
                out, st = mod(a["x"], (a["h0"], a["c0"]) if lstm else a["h0"])
            else:
                out, st = mod(a["x"])
            res = {"output": out}
            if lstm:
                res["h_n"], res["c_n"] = st
            else:
                res["h_n"] = st
            return res

        cases.append((p, run_case(m, inputs, call, r, p["train"])))
    return cases


# =============================================================================
# Multi-head attention
# =============================================================================

def mha_family():
    r = Rand("mha")
    E, H, L, S, N = 4, 2, 3, 4, 2
    base = dict(embed_dim=E, num_heads=H, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=E, vdim=E,
                batch_first=False, batched=True, self_attn=True, key_padding_mask=None, attn_mask=None,
                causal=False, need_weights=True, average_attn_weights=True)
    variants = [
        dict(),
        dict(batch_first=True, key_padding_mask="bool", average_attn_weights=False),
        dict(self_attn=False, attn_mask="bool2d", key_padding_mask="bool"),
        dict(self_attn=False, batch_first=True, attn_mask="float3d"),
        dict(causal=True, batch_first=True, average_attn_weights=False),
        dict(causal=True, key_padding_mask="bool_keep_first"),
        dict(self_attn=False, kdim=3, vdim=5, bias=False, attn_mask="float2d"),
        dict(self_attn=False, add_bias_kv=True, add_zero_attn=True, key_padding_mask="bool", attn_mask="bool3d"),
        dict(batched=False, self_attn=False, attn_mask="bool2d", key_padding_mask="bool"),
        dict(self_attn=False, key_padding_mask="float", need_weights=False),
    ]
    cases = []
    for v in variants:
        p = dict(base, **v)
        m = nn.MultiheadAttention(E, H, dropout=0.0, bias=p["bias"], add_bias_kv=p["add_bias_kv"],
                                  add_zero_attn=p["add_zero_attn"], kdim=p["kdim"], vdim=p["vdim"],
                                  batch_first=p["batch_first"]).double()
        randomize(m, r, 0.8)
        s = L if p["self_attn"] else S

        def seq(n_feat, length):
            if not p["batched"]:
                return r.randn(length, n_feat)
            return r.randn(N, length, n_feat) if p["batch_first"] else r.randn(length, N, n_feat)

        q = seq(E, L)
        inputs = {"query": q} if p["self_attn"] else {"query": q, "key": seq(p["kdim"], s), "value": seq(p["vdim"], s)}
        kpm_shape = (N, s) if p["batched"] else (s,)
        kpm = p["key_padding_mask"]
        if kpm in ("bool", "bool_keep_first"):
            m_ = r.mask(*kpm_shape)
            m_[..., 0] = False  # key 0 always visible: no query row is fully masked (torch 1.13 gives NaN there)
            inputs["key_padding_mask"] = m_
        elif kpm == "float":
            inputs["key_padding_mask"] = r.randn(*kpm_shape)
        am = p["attn_mask"]
        if p["causal"]:
            inputs["attn_mask"] = torch.triu(torch.ones(L, s, dtype=torch.bool), diagonal=1)
        elif am == "bool2d":
            m_ = r.mask(L, s)
            m_[:, 0] = False
            inputs["attn_mask"] = m_
        elif am == "bool3d":
            m_ = r.mask(N * H, L, s)
            m_[..., 0] = False
            inputs["attn_mask"] = m_
        elif am == "float2d":
            inputs["attn_mask"] = r.randn(L, s)
        elif am == "float3d":
            inputs["attn_mask"] = r.randn(N * H, L, s)

        def call(mod, a):
            qq = a["query"]
            out, w = mod(qq, a.get("key", qq), a.get("value", qq), key_padding_mask=a.get("key_padding_mask"),
                         need_weights=p["need_weights"], attn_mask=a.get("attn_mask"),
                         average_attn_weights=p["average_attn_weights"])
            return {"output": out, "weights": w} if p["need_weights"] else {"output": out}

        cases.append((p, run_case(m, inputs, call, r, True)))
    return cases


# =============================================================================
# Transformer encoder
# =============================================================================

def encoder_input(r, p, d, L, N):
    x = r.randn(N, L, d) if p["batch_first"] else r.randn(L, N, d)
    inputs = {"src": x}
    if p.get("key_padding_mask"):
        m_ = r.mask(N, L)
        m_[:, 0] = False
        inputs["src_key_padding_mask"] = m_
    if p.get("causal"):
        inputs["mask"] = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
    elif p.get("mask") == "float":
        inputs["mask"] = r.randn(L, L)
    return inputs


def encoder_layer_family():
    r = Rand("encoder_layer")
    d, nhead, ff, L, N = 4, 2, 6, 3, 2
    variants = [
        dict(norm_first=False, activation="relu", batch_first=False),
        dict(norm_first=True, activation="gelu", batch_first=True, key_padding_mask=True),
        dict(norm_first=False, activation="gelu", batch_first=True, causal=True),
        dict(norm_first=True, activation="relu", batch_first=False, mask="float", key_padding_mask=True),
        dict(norm_first=False, activation="relu", batch_first=True, layer_norm_eps=1e-3, key_padding_mask=True, causal=True),
    ]
    cases = []
    for v in variants:
        p = dict(dict(d_model=d, nhead=nhead, dim_feedforward=ff, layer_norm_eps=1e-5, key_padding_mask=False, causal=False,
                      mask=None), **v)
        m = nn.TransformerEncoderLayer(d, nhead, ff, dropout=0.0, activation=p["activation"],
                                       layer_norm_eps=p["layer_norm_eps"], batch_first=p["batch_first"],
                                       norm_first=p["norm_first"]).double()
        randomize(m, r, 0.7)
        inputs = encoder_input(r, p, d, L, N)

        def call(mod, a):
            return {"output": mod(a["src"], src_mask=a.get("mask"), src_key_padding_mask=a.get("src_key_padding_mask"))}

        cases.append((p, run_case(m, inputs, call, r, True)))
    return cases


def encoder_family():
    r = Rand("encoder")
    d, nhead, ff, L, N = 4, 2, 6, 3, 2
    variants = [
        dict(num_layers=2, final_norm=True, norm_first=False, activation="relu", batch_first=True, key_padding_mask=True),
        dict(num_layers=2, final_norm=False, norm_first=True, activation="gelu", batch_first=False, causal=True),
    ]
    cases = []
    for v in variants:
        p = dict(dict(d_model=d, nhead=nhead, dim_feedforward=ff, layer_norm_eps=1e-5, key_padding_mask=False, causal=False,
                      mask=None), **v)
        layer = nn.TransformerEncoderLayer(d, nhead, ff, dropout=0.0, activation=p["activation"],
                                           batch_first=p["batch_first"], norm_first=p["norm_first"])
        norm = nn.LayerNorm(d) if p["final_norm"] else None
        m = nn.TransformerEncoder(layer, p["num_layers"], norm=norm, enable_nested_tensor=False).double()
        randomize(m, r, 0.7)
        inputs = encoder_input(r, p, d, L, N)

        def call(mod, a):
            return {"output": mod(a["src"], mask=a.get("mask"), src_key_padding_mask=a.get("src_key_padding_mask"))}

        cases.append((p, run_case(m, inputs, call, r, True)))
    return cases


FAMILIES = {
    "rnn": lambda: recurrent_family("rnn"),
    "lstm": lambda: recurrent_family("lstm"),
    "gru": lambda: recurrent_family("gru"),
    "mha": mha_family,
    "encoder_layer": encoder_layer_family,
    "encoder": encoder_family,
}


def build(family):
    torch.manual_seed(0)  # module constructors draw initial values; they are all overwritten
    cases = FAMILIES[family]()
    tensors, meta = [], {"family": family, "cases": str(len(cases))}
    for i, (params, ts) in enumerate(cases):
        meta["case%d" % i] = json.dumps(params, sort_keys=True)
        for name, t in ts:
            t = t.contiguous()
            if t.is_floating_point():
                t = t.to(F64)
            tensors.append(("c%d.%s" % (i, name), t))
    return tensors, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files on disk")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    total, bad = 0, 0
    for family in FAMILIES:
        path = os.path.join(OUT_DIR, family + ".safetensors")
        tensors, meta = build(family)
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = os.path.join(tmp, "f.safetensors")
                write_safetensors(fresh, tensors, meta)
                same = os.path.exists(path) and open(fresh, "rb").read() == open(path, "rb").read()
            status = "same" if same else "DIFFERS"
            bad += not same
        else:
            write_safetensors(path, tensors, meta)
            status = "written"
        size = os.path.getsize(path) if os.path.exists(path) else 0
        total += size
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:12] if size else "-"
        print("%-14s %2s cases %7d bytes  sha256:%s  %s" % (family, meta["cases"], size, digest, status))
    print("total %d bytes" % total)
    if bad:
        sys.exit("%d file(s) differ from a fresh run" % bad)


if __name__ == "__main__":
    main()
