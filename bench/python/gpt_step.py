#!/usr/bin/env python3
"""GPT-2-small training steps in PyTorch eager: the peer of dev.jgrad.bench.GptBench.

The model is bench/src/main/java/dev/jgrad/bench/Gpt.java's, layer for layer, with its parameter
names and initialisation: token embedding + learned positional embedding (both N(0, 0.02^2)),
`layers` pre-norm blocks as nn.TransformerEncoderLayer(width, heads, 4*width, dropout=0,
activation="gelu" (exact erf GELU), layer_norm_eps=1e-5, batch_first=True, norm_first=True) builds
them — x = x + self_attn(norm1(x)); x = x + linear2(gelu(linear1(norm2(x)))) — with causal
self-attention (packed in_proj [3w, w] Xavier-uniform with zero bias, out_proj a default Linear with
zero bias, scaled_dot_product_attention(is_causal=True)), a final LayerNorm, and logits = x @ wte^T
(tied; --untied: a bias-free Linear). Loss: mean cross-entropy of next tokens. Optimiser:
AdamW(lr, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on every parameter), as Gpt.adamW.
One fixed random batch of tokens, as GptBench.

Per mode (--modes, comma-separated):
  fp32  float32 everywhere, TF32 off           (jgrad: GptBench)
  tf32  float32 with TF32 matmuls              (jgrad: GptBench --tf32 [--bf16-attention])
  bf16  torch.autocast(bfloat16) forward        (no jgrad equivalent: jgrad has no autocast)
it reports the median step time of --steps timed steps after --warmup (each step: zero_grad,
forward, loss, backward, optimiser step, loss.item() — a sync, as GptBench's), tokens/s, and
torch.cuda.max_memory_allocated / max_memory_reserved since the model was built; --profile adds a
torch.profiler table of one more step, by op, sorted by device time.
Usage (on the GPU machine):
  python3 bench/python/gpt_step.py --batch 8 --modes fp32,tf32,bf16 --profile > $OUT/gpt-torch.txt
"""
import argparse
import math
import statistics
import sys
import time


def parse(argv):
    p = argparse.ArgumentParser(description="GPT-2-small training step in PyTorch eager (GptBench's peer)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--width", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--untied", action="store_true")
    p.add_argument("--modes", default="fp32", help="comma-separated: fp32, tf32, bf16")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--profile-rows", type=int, default=25)
    p.add_argument("--device", default="cuda")
    a = p.parse_args(argv)
    a.modes = [m for m in a.modes.split(",") if m]
    bad = [m for m in a.modes if m not in ("fp32", "tf32", "bf16")]
    if bad or not a.modes:
        p.error(f"--modes takes fp32, tf32, bf16; got {bad or a.modes}")
    if a.width % a.heads:
        p.error(f"--width {a.width} is not a multiple of --heads {a.heads}")
    return a


def build(a, torch):
    nn, F = torch.nn, torch.nn.functional

    class SelfAttention(nn.Module):
        """nn.MultiheadAttention's parameters and init; the fused SDPA kernel, causal."""

        def __init__(self, w, h):
            super().__init__()
            self.h = h
            self.in_proj_weight = nn.Parameter(torch.empty(3 * w, w))
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * w))
            nn.init.xavier_uniform_(self.in_proj_weight)
            self.out_proj = nn.Linear(w, w)
            nn.init.zeros_(self.out_proj.bias)

        def forward(self, x):
            b, t, w = x.shape
            q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).split(w, dim=-1)
            q, k, v = (z.view(b, t, self.h, w // self.h).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.out_proj(y.transpose(1, 2).reshape(b, t, w))

    class Block(nn.Module):
        """nn.TransformerEncoderLayer(w, h, 4w, 0.0, "gelu", 1e-5, batch_first=True, norm_first=True)."""

        def __init__(self, w, h):
            super().__init__()
            self.self_attn = SelfAttention(w, h)
            self.linear1 = nn.Linear(w, 4 * w)
            self.linear2 = nn.Linear(4 * w, w)
            self.norm1 = nn.LayerNorm(w, eps=1e-5)
            self.norm2 = nn.LayerNorm(w, eps=1e-5)

        def forward(self, x):
            x = x + self.self_attn(self.norm1(x))
            return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(a.vocab, a.width)
            self.wpe = nn.Embedding(a.seq, a.width)
            nn.init.normal_(self.wte.weight, 0, 0.02)
            nn.init.normal_(self.wpe.weight, 0, 0.02)
            self.h = nn.ModuleList(Block(a.width, a.heads) for _ in range(a.layers))
            self.ln_f = nn.LayerNorm(a.width, eps=1e-5)
            self.lm_head = nn.Linear(a.width, a.vocab, bias=False) if a.untied else None

        def forward(self, tokens, targets):
            t = tokens.shape[1]
            x = self.wte(tokens) + self.wpe(torch.arange(t, device=tokens.device))
            for blk in self.h:
                x = blk(x)
            x = self.ln_f(x)
            logits = F.linear(x, self.wte.weight) if self.lm_head is None else self.lm_head(x)
            return F.cross_entropy(logits.view(-1, a.vocab), targets.view(-1))   # float32 under autocast too

    return Gpt()


def run_mode(a, torch, mode, tokens, targets):
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
    torch.backends.cudnn.allow_tf32 = mode == "tf32"
    torch.manual_seed(1234)
    model = build(a, torch).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    params = sum(p.numel() for p in model.parameters())
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=mode == "bf16"):
            loss = model(tokens, targets)
        loss.backward()
        opt.step()
        return loss.item()

    losses, ms = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        losses.append(step())
        if i >= a.warmup:
            ms.append((time.perf_counter() - t0) * 1e3)
    med = statistics.median(ms) if ms else math.nan
    alloc = torch.cuda.max_memory_allocated() / 2**30 if cuda else math.nan
    reserved = torch.cuda.max_memory_reserved() / 2**30 if cuda else math.nan
    print(f"# torch GPT step on {torch.cuda.get_device_name() if cuda else 'cpu'}: {a.layers} layers, width {a.width}, {a.heads} heads, "
          f"seq {a.seq}, vocab {a.vocab}, {'untied' if a.untied else 'tied'} embeddings, batch {a.batch}, {mode}, parameters {params}")
    print(f"torch {mode:<24} step {med:9.2f} ms  {a.batch * a.seq / (med / 1e3):10.0f} tokens/s  peak allocated {alloc:7.2f} GiB  "
          f"peak reserved {reserved:7.2f} GiB  loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    if a.profile:
        profile(a, torch, step, cuda)
    del model, opt
    if cuda:
        torch.cuda.empty_cache()


def profile(a, torch, step, cuda):
    from torch.profiler import ProfilerActivity
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with torch.profiler.profile(activities=acts) as prof:
        step()
    table = None
    # the sort key's name changed (self_cuda_time_total → self_device_time_total in torch 2.4)
    for k in (("self_device_time_total", "self_cuda_time_total") if cuda else ("self_cpu_time_total",)):
        try:
            table = prof.key_averages().table(sort_by=k, row_limit=a.profile_rows)
            break
        except (AttributeError, KeyError, ValueError):
            continue
    print(table if table is not None else "# profiler table unavailable")


def main(argv):
    a = parse(argv)
    import torch
    g = torch.Generator().manual_seed(1234)
    data = torch.randint(0, a.vocab, (a.batch, a.seq + 1), generator=g)
    tokens = data[:, :-1].contiguous().to(a.device)
    targets = data[:, 1:].contiguous().to(a.device)
    print(f"# PyTorch {torch.__version__}, CUDA {torch.version.cuda}; median of {a.steps} steps after {a.warmup} warm-up")
    for mode in a.modes:
        run_mode(a, torch, mode, tokens, targets)


if __name__ == "__main__":
    main(sys.argv[1:])
