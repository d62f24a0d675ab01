#!/usr/bin/python3
"""A real checkpoint for jgrad to load: a small Transformer language model saved by PyTorch.

Builds a small causal Transformer from PyTorch's own module classes, so that its state-dict keys
are PyTorch's (encoder.layers.0.self_attn.in_proj_weight, encoder.layers.0.linear1.weight, ...),
and writes

    nn/src/test/resources/checkpoint/tiny_lm.bf16.safetensors   the state dict in BF16
    nn/src/test/resources/checkpoint/tiny_lm.f16.safetensors    the state dict in F16
    nn/src/test/resources/checkpoint/tiny_lm.expected.safetensors
                                                                input token ids and expected logits

read by dev.jgrad.nn.CheckpointTest. The model (TinyLM below):

    tok_emb   nn.Embedding(17, 32)                     token vectors
    pos_emb   nn.Embedding(16, 32)                     learned positions 0..15
    encoder   nn.TransformerEncoder(                   2 pre-norm layers (norm_first), d_model 32,
                nn.TransformerEncoderLayer(...), 2,    4 heads, dim_feedforward 64, exact gelu,
                norm=nn.LayerNorm(32))                 dropout 0, batch_first, then a final norm
    head      nn.Linear(32, 17)                        logits over the 17 tokens

    logits = head(encoder(tok_emb(tokens) + pos_emb(arange(L)), mask=causal))

with a causal mask (a bool [L, L] mask, true above the diagonal). The weights start from
PyTorch's own initialisation under a fixed seed; biases and layer-norm affine parameters are then
drawn at random too, so that no part of the state dict is a trivial 0 or 1, and every weight
matrix is drawn afresh (nn.TransformerEncoder deep-copies one layer, so its layers start equal).

The checkpoint files hold the state dict in PyTorch's key order, rounded to the half type by
PyTorch (round to nearest even), with metadata naming the architecture and its sizes
("format": "pt", "architecture", "vocab_size", "context", "d_model", "nhead", "dim_feedforward",
"num_layers", "activation", "norm_first", "layer_norm_eps", "dtype", "torch").

Expected logits. Torch 1.13's CPU has no float16 matmul, and its bfloat16 kernels round inside
(its bfloat16 matmul accumulates in bfloat16), so the main reference is PyTorch running the
model in float32 on the half-rounded weights (the checkpoint's values, upcast exactly): what any
loader that computes in float32 must give. For BF16, PyTorch's own bfloat16 forward runs too, and
is recorded beside it. Tensors of tiny_lm.expected.safetensors, for each input <c> (full: 3
sequences of the whole context; short: 2 sequences of 5 tokens):

    <c>.tokens              I64 [N, L]       input token ids
    <c>.logits.bf16         F32 [N, L, 17]   torch float32 forward on the BF16 checkpoint's values
    <c>.logits.f16          F32 [N, L, 17]   torch float32 forward on the F16 checkpoint's values
    <c>.logits.bf16_torch   BF16 [N, L, 17]  torch's bfloat16 forward of the BF16 model

The model runs in training mode with dropout 0, off torch 1.13's fused inference path (which
changes the float32 rounding, not the function), and with enable_nested_tensor=False.

Usage:
    /usr/bin/python3 tools/oracle/generate_checkpoint.py            # write the three files
    /usr/bin/python3 tools/oracle/generate_checkpoint.py --verify   # regenerate in memory, compare bytes

Deterministic: torch runs on one thread with ATEN_CPU_CAPABILITY=default (set by generate_half,
whose hand-written safetensors writer this script uses); all random draws come from generators
seeded with the CRC32 of "tiny_lm".
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_half import safetensors_bytes, write_or_verify  # noqa: E402  (sets ATEN_CPU_CAPABILITY before torch loads)

import argparse  # noqa: E402
import zlib  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "nn", "src", "test", "resources", "checkpoint")
NAME = "tiny_lm"
CONFIG = dict(vocab_size=17, context=16, d_model=32, nhead=4, dim_feedforward=64, num_layers=2,
              activation="gelu", norm_first=True, layer_norm_eps=1e-5)
HALF = {"bf16": torch.bfloat16, "f16": torch.float16}


class TinyLM(nn.Module):
    """Token and learned position embeddings, a causal pre-norm Transformer encoder with a final norm, a linear head."""

    def __init__(self, vocab_size, context, d_model, nhead, dim_feedforward, num_layers, activation, norm_first, layer_norm_eps):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, activation=activation,
                                           layer_norm_eps=layer_norm_eps, batch_first=True, norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model, eps=layer_norm_eps),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens):
        length = tokens.shape[1]
        h = self.tok_emb(tokens) + self.pos_emb(torch.arange(length))
        causal = torch.ones(length, length, dtype=torch.bool).triu(1)   # true: may not attend
        return self.head(self.encoder(h, mask=causal))


def build_model():
    """TinyLM with PyTorch's initialisation under a fixed seed, then fresh weight matrices, biases and norm parameters."""
    seed = zlib.crc32(NAME.encode())
    torch.manual_seed(seed)
    model = TinyLM(**CONFIG)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, p in model.named_parameters():
            if p.dim() == 2 and not key.endswith("emb.weight"):
                # nn.TransformerEncoder deep-copies its layer, so the layers start equal: draw each
                # matrix afresh (Xavier-uniform), so that a mix-up of two layers' weights shows
                bound = (6.0 / (p.shape[0] + p.shape[1])) ** 0.5
                p.copy_((2 * torch.rand(p.shape, generator=g) - 1) * bound)
            elif "norm" in key and key.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif key.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
    return model.train()   # dropout is 0; training mode keeps torch off its fused inference path


def inputs():
    g = torch.Generator().manual_seed(zlib.crc32((NAME + ".tokens").encode()))
    v = CONFIG["vocab_size"]
    return [("full", torch.randint(0, v, (3, CONFIG["context"]), generator=g)),
            ("short", torch.randint(0, v, (2, 5), generator=g))]


def forward(model, state, dtype, tokens):
    """The logits of `model` with `state` loaded, run in `dtype`."""
    model = model.to(dtype)
    model.load_state_dict(state)
    with torch.no_grad():
        return model(tokens)


def files():
    model = build_model()
    exact = {k: v.detach().clone() for k, v in model.state_dict().items()}
    metadata = dict({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in CONFIG.items()},
                    format="pt", architecture="TinyLM: tok_emb + pos_emb, encoder (nn.TransformerEncoder, causal), head",
                    torch=torch.__version__)
    out, expected = {}, []
    halves = {tag: {k: v.to(dt) for k, v in exact.items()} for tag, dt in HALF.items()}
    for tag, dt in HALF.items():
        out[os.path.join(OUT_DIR, "%s.%s.safetensors" % (NAME, tag))] = safetensors_bytes(
            list(halves[tag].items()), dict(metadata, dtype=str(dt).replace("torch.", "")))
    for case, tokens in inputs():
        expected.append((case + ".tokens", tokens))
        reference = forward(build_model(), exact, torch.float32, tokens)
        logits = {}
        for tag in HALF:
            upcast = {k: v.float() for k, v in halves[tag].items()}
            logits[tag] = forward(build_model(), upcast, torch.float32, tokens)
            expected.append(("%s.logits.%s" % (case, tag), logits[tag]))
            print("%-5s %-4s float32 on the half weights: max |logits| %.3f, moved by the rounding of the weights %.2e"
                  % (case, tag, logits[tag].abs().max(), (logits[tag] - reference).abs().max()), file=sys.stderr)
        bf16 = forward(build_model(), halves["bf16"], torch.bfloat16, tokens)
        expected.append((case + ".logits.bf16_torch", bf16))
        print("%-5s bf16 torch's bfloat16 forward against float32 on the same weights: max diff %.3e"
              % (case, (bf16.float() - logits["bf16"]).abs().max()), file=sys.stderr)
    out[os.path.join(OUT_DIR, NAME + ".expected.safetensors")] = safetensors_bytes(
        expected, {"model": NAME, "torch": torch.__version__,
                   "reference": "logits.bf16 and logits.f16: torch float32 forward on the checkpoint's values;"
                                " logits.bf16_torch: torch's bfloat16 forward"})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="regenerate in memory and compare with the files")
    args = ap.parse_args()
    torch.set_num_threads(1)
    sys.exit(write_or_verify(files(), args.verify))


if __name__ == "__main__":
    main()
