#!/usr/bin/env python3
"""PyTorch SDPA timings of the shapes dev.jgrad.bench.AttentionBench times.

For every shape (B x H x N x d, causal and full; the same defaults and options as AttentionBench:
N in 4096,2048,1024, d in 128,64, B = tokens / N, H = width / d) and precision (bf16, fp32), it
times torch.nn.functional.scaled_dot_product_attention forward and backward on each SDPA backend
that takes the case (flash, cuDNN, memory-efficient; the math backend is left out: it stores the
N x N scores), with CUDA events: warm-up, then the median of --reps repeats. Inputs are
[B, H, N, d] tensors in the precision, uniform in [-1, 1), requires_grad set (a training forward,
which also writes the log-sum-exp, as jgrad's forward does). Backward is autograd.grad of one
forward's output with retain_graph, so only the backward kernels are timed.

Besides the table it prints lines "PEER<TAB>key<TAB>ms" (GpuKernelBench's peers format) that
AttentionBench reads with --peers FILE: key "attn fwd|bwd bf16|fp32 BxHxNxd causal|full" holds
the fastest backend's time, and the same key followed by " <backend>" each backend's.
Usage (on the GPU machine):
  python3 bench/python/gpu_attention_peers.py [--reps 20] [--seq 4096] [--head-dim 128] > $OUT/attention-peers.txt
  python3 bench/python/gpu_attention_peers.py --list-shapes     # the shape keys only, no torch needed
"""
import argparse
import sys

BACKENDS = ("flash", "cudnn", "efficient")


def parse(argv):
    p = argparse.ArgumentParser(description="PyTorch SDPA peers of AttentionBench")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--seq", default="4096,2048,1024")
    p.add_argument("--head-dim", default="128,64")
    p.add_argument("--batch", type=int, default=0, help="default: tokens / seq")
    p.add_argument("--heads", type=int, default=0, help="default: width / head size")
    p.add_argument("--tokens", type=int, default=65536)
    p.add_argument("--width", type=int, default=2048)
    p.add_argument("--only", default="", help="comma-separated: fp32, bf16, fwd, bwd, causal, full")
    p.add_argument("--list-shapes", action="store_true", help="print the shape keys and exit")
    a = p.parse_args(argv)
    a.only = {w for w in a.only.lower().split(",") if w}
    bad = a.only - {"fp32", "bf16", "fwd", "bwd", "causal", "full"}
    if bad:
        p.error(f"--only takes fp32, bf16, fwd, bwd, causal, full; got {sorted(bad)}")
    return a


def keeps(only, kind, value):
    """AttentionOptions.keeps: no word of this kind given, or the value among them."""
    return not (only & set(kind)) or value in only


def shapes(a):
    """(B, H, N, d, causal) in AttentionOptions.parse's order: head sizes, then sequences, full before causal."""
    out = []
    for d in (int(x) for x in a.head_dim.split(",")):
        for n in (int(x) for x in a.seq.split(",")):
            b = a.batch or max(1, a.tokens // n)
            h = a.heads or max(1, a.width // d)
            for causal in (False, True):
                if keeps(a.only, ("causal", "full"), "causal" if causal else "full"):
                    out.append((b, h, n, d, causal))
    return out


def key(s):
    b, h, n, d, causal = s
    return f"{b}x{h}x{n}x{d} {'causal' if causal else 'full'}"


def flops(s, pass_):
    """FlashAttention's count, as AttentionShape: forward 4*B*H*N^2*d (halved when causal), backward 2.5x."""
    b, h, n, d, causal = s
    f = 4.0 * b * h * n * n * d / (2 if causal else 1)
    return f if pass_ == "fwd" else 2.5 * f


def first_line(e):
    return (str(e).splitlines() or [type(e).__name__])[0][:100]


def main(argv):
    a = parse(argv)
    if a.list_shapes:
        for s in shapes(a):
            print(key(s))
        return
    import warnings
    import torch
    import torch.nn.functional as F

    import cuda_timing  # next to this script

    # SDPA warns at length about why a backend refuses a case; the table notes it in one line
    warnings.simplefilter("ignore", UserWarning)

    dev = torch.device("cuda")

    def backend(name):
        """A context that lets SDPA use only this backend (torch >= 2.3; older: the sdp_kernel flags)."""
        try:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            b = {"flash": "FLASH_ATTENTION", "cudnn": "CUDNN_ATTENTION", "efficient": "EFFICIENT_ATTENTION"}[name]
            return sdpa_kernel([getattr(SDPBackend, b)])
        except ImportError:
            if name == "cudnn":
                raise RuntimeError("no cuDNN SDPA backend in this torch")
            return torch.backends.cuda.sdp_kernel(enable_flash=name == "flash", enable_mem_efficient=name == "efficient",
                                                  enable_math=False)

    def time_ms(fn):
        return cuda_timing.time_ms(fn, a.reps)

    print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name()}, CUDA {torch.version.cuda}, "
          f"cuDNN {torch.backends.cudnn.version()}; median of {a.reps}; matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")
    rows, peers = [], []
    for s in shapes(a):
        b, h, n, d, causal = s
        for prec, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
            if not keeps(a.only, ("fp32", "bf16"), prec):
                continue
            q, k, v, dout = ((torch.rand(b, h, n, d, device=dev) * 2 - 1).to(dtype) for _ in range(4))
            for t in (q, k, v):
                t.requires_grad_(True)
            best = {}
            for name in BACKENDS:
                times = {}
                try:   # a backend that does not take the case (dtype, head size, GPU) raises RuntimeError
                    with backend(name):
                        fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                        out = fwd()
                        bwd = lambda: torch.autograd.grad(out, (q, k, v), dout, retain_graph=True)
                        for pass_, fn in (("fwd", fwd), ("bwd", bwd)):
                            if keeps(a.only, ("fwd", "bwd"), pass_):
                                try:
                                    times[pass_] = time_ms(fn)
                                except RuntimeError as e:
                                    rows.append(f"# {name} {pass_} {prec} {key(s)}: skipped ({first_line(e)})")
                        del out
                except RuntimeError as e:
                    rows.append(f"# {name} {prec} {key(s)}: skipped ({first_line(e)})")
                torch.cuda.empty_cache()
                for pass_, ms in times.items():
                    k_ = f"attn {pass_} {prec} {key(s)}"
                    rows.append(f"{'SDPA ' + name + ' ' + pass_ + ' ' + prec.upper():<44} {key(s):<30} {ms:9.4f} "
                                f"{flops(s, pass_) / (ms * 1e-3) / 1e12:8.2f}")
                    peers.append(f"PEER\t{k_} {name}\t{ms:.6f}")
                    if k_ not in best or ms < best[k_][0]:
                        best[k_] = (ms, name)
            for k_, (ms, name) in best.items():
                peers.append(f"PEER\t{k_}\t{ms:.6f}")
                rows.append(f"# fastest for {k_}: {name}")
            del q, k, v, dout
            torch.cuda.empty_cache()

    print()
    print(f"{'op':<44} {'shape':<30} {'ms':>9} {'TFLOP/s':>8}")
    for r in rows:
        print(r)
    print()
    for p_ in peers:
        print(p_)


if __name__ == "__main__":
    main(sys.argv[1:])
