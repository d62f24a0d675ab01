#!/usr/bin/env python3
"""PyTorch timings of the operations dev.jgrad.bench.GpuBench times, on the same shapes.

Each operation: warm-up, then the median of many repeats, each timed with CUDA events; inputs are
random (never zeros); GB/s over the fewest bytes the op must move, as GpuBench counts them.
Usage (on the GPU machine):  python3 bench/python/gpu_peers.py [reps] > $OUT/peers.txt
"""
import sys
import torch
import torch.nn.functional as F

import cuda_timing  # next to this script

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
dev = torch.device("cuda")
rows = []
copy_gbs = None
blas = {}


def time_ms(fn):
    return cuda_timing.time_ms(fn, REPS)


def row(name, shape, ms, nbytes=0.0, flops=0.0, kind=None):
    gbs = nbytes / (ms * 1e-3) / 1e9 if nbytes else 0
    bw = f"{gbs:9.1f} {100 * gbs / copy_gbs:6.1f}%" if nbytes and copy_gbs else f"{'-':>9} {'-':>7}"
    if flops:
        tf = flops / (ms * 1e-3) / 1e12
        pct = f"{100 * tf / blas[kind]:7.1f}%" if kind in blas else f"{'-':>8}"
        fl = f"{tf:9.2f} {pct}"
    else:
        fl = f"{'-':>9} {'-':>8}"
    rows.append(f"{name:<34} {shape:<26} {ms:10.4f} {bw} {fl}")


def rnd(*shape, dtype=torch.float32):
    return (torch.rand(*shape, device=dev, dtype=torch.float32) * 4 - 2).to(dtype)


def main():
    global copy_gbs
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name()}, CUDA {torch.version.cuda}; median of {REPS} repeats")

    n = 256 << 20
    a, b = rnd(n), torch.empty(n, device=dev)
    ms = time_ms(lambda: b.copy_(a))
    copy_gbs = 8.0 * n / (ms * 1e-3) / 1e9
    row("copy_ (ceiling)", "1 GiB", ms, 8.0 * n)
    del a, b

    s = 8192
    A, B = rnd(s, s), rnd(s, s)
    fl = 2.0 * s ** 3
    ms = time_ms(lambda: A @ B); blas["fp32"] = fl / (ms * 1e-3) / 1e12; row("matmul FP32 (ceiling)", f"{s}^3", ms, flops=fl, kind="fp32")
    torch.backends.cuda.matmul.allow_tf32 = True
    ms = time_ms(lambda: A @ B); blas["tf32"] = fl / (ms * 1e-3) / 1e12; row("matmul TF32 (ceiling)", f"{s}^3", ms, flops=fl, kind="tf32")
    torch.backends.cuda.matmul.allow_tf32 = False
    Ab, Bb = A.bfloat16(), B.bfloat16()
    ms = time_ms(lambda: Ab @ Bb); blas["bf16"] = fl / (ms * 1e-3) / 1e12; row("matmul BF16", f"{s}^3", ms, flops=fl, kind="bf16")
    del A, B, Ab, Bb

    n = 64 << 20
    x, y = rnd(n), rnd(n)
    row("exp", "64M", time_ms(lambda: torch.exp(x)), 8.0 * n)
    row("gelu", "64M", time_ms(lambda: F.gelu(x)), 8.0 * n)
    row("add", "64M", time_ms(lambda: x + y), 12.0 * n)
    r, c = 8192, n // 8192
    xm, v = x.view(r, c), y[:c]
    row("add (row broadcast)", f"{r}x{c} + {c}", time_ms(lambda: xm + v), 8.0 * n)
    row("gt -> bool", "64M", time_ms(lambda: x > y), 9.0 * n)
    row("transpose + contiguous", f"{r}x{c} ^T", time_ms(lambda: xm.t().contiguous()), 8.0 * n)
    row("to(float64)", "64M", time_ms(lambda: x.double()), 12.0 * n)
    row("fill_", "64M", time_ms(lambda: x.fill_(1.5)), 4.0 * n)
    x.copy_(rnd(n))
    cond = x > 0
    row("where", "64M", time_ms(lambda: torch.where(cond, x, y)), 13.0 * n)
    del x, y, cond

    R, C = 16384, 4096
    m = rnd(R, C)
    row("sum, last dim", f"{R}x{C}", time_ms(lambda: m.sum(1)), 4.0 * R * C)
    row("sum, dim 0", f"{R}x{C}", time_ms(lambda: m.sum(0)), 4.0 * R * C)
    row("sum, all", f"{R}x{C}", time_ms(lambda: m.sum()), 4.0 * R * C)
    row("amax, last dim", f"{R}x{C}", time_ms(lambda: m.amax(1)), 4.0 * R * C)
    row("argmax, last dim", f"{R}x{C}", time_ms(lambda: m.argmax(1)), 4.0 * R * C)
    row("softmax, last dim", f"{R}x{C}", time_ms(lambda: torch.softmax(m, 1)), 8.0 * R * C)
    row("log_softmax, last dim", f"{R}x{C}", time_ms(lambda: torch.log_softmax(m, 1)), 8.0 * R * C)
    t4 = rnd(64, 256, 32, 32)
    row("softmax, channel dim of NCHW", "64x256x32x32", time_ms(lambda: torch.softmax(t4, 1)), 8.0 * t4.numel())
    del m, t4

    N, Cc = 32768, 1024
    xl, w, bb = rnd(N, Cc, dtype=torch.float32).requires_grad_(), rnd(Cc).requires_grad_(), rnd(Cc).requires_grad_()
    row("layer_norm forward", f"{N}x{Cc}", time_ms(lambda: F.layer_norm(xl, (Cc,), w, bb)), 8.0 * N * Cc)
    out = F.layer_norm(xl, (Cc,), w, bb)
    g = rnd(N, Cc)
    row("layer_norm backward (dx, dw, db)", f"{N}x{Cc}", time_ms(lambda: torch.autograd.grad(out, (xl, w, bb), g, retain_graph=True)),
        12.0 * N * Cc)
    del xl, out, g

    Bt, V = 4096, 50257
    logits = rnd(Bt, V).requires_grad_()
    tgt = torch.randint(0, V, (Bt,), device=dev)
    def ce():
        loss = F.cross_entropy(logits, tgt)
        return torch.autograd.grad(loss, logits)
    row("cross_entropy forward+backward", f"{Bt}x{V}", time_ms(ce), 8.0 * Bt * V)
    with torch.no_grad():
        row("cross_entropy forward", f"{Bt}x{V}", time_ms(lambda: F.cross_entropy(logits, tgt)), 4.0 * Bt * V)
    del logits

    n = 64 << 20
    p = torch.nn.Parameter(rnd(n))
    p.grad = rnd(n)
    opt = torch.optim.AdamW([p], lr=1e-6, fused=True)
    row("AdamW step (fused=True)", "64M", time_ms(opt.step), 28.0 * n)
    opt = torch.optim.SGD([p], lr=1e-6, momentum=0.9, foreach=True)
    row("SGD momentum step (foreach)", "64M", time_ms(opt.step), 20.0 * n)
    xd = rnd(n)
    row("dropout p=0.1", "64M", time_ms(lambda: F.dropout(xd, 0.1, True)), 9.0 * n)
    del p, opt, xd

    table = rnd(50257, 1024)
    ids = torch.randint(0, 50257, (65536,), device=dev)
    row("embedding", "65536 of 50257x1024", time_ms(lambda: F.embedding(ids, table)), 8.0 * 65536 * 1024)
    del table

    xp = rnd(64, 128, 56, 56)
    row("max_pool2d 2x2/2 (with indices)", "64x128x56x56", time_ms(lambda: F.max_pool2d(xp, 2, return_indices=True)),
        4.0 * xp.numel() + 12.0 * xp.numel() / 4)
    del xp

    s = 4096
    A, B = rnd(s, s), rnd(s, s)
    row("matmul f32 FP32", f"{s}^3", time_ms(lambda: A @ B), flops=2.0 * s ** 3, kind="fp32")
    torch.backends.cuda.matmul.allow_tf32 = True
    row("matmul f32 TF32", f"{s}^3", time_ms(lambda: A @ B), flops=2.0 * s ** 3, kind="tf32")
    torch.backends.cuda.matmul.allow_tf32 = False
    Bt_ = B.t()
    row("matmul f32, b transposed", f"{s}^3", time_ms(lambda: A @ Bt_), flops=2.0 * s ** 3, kind="fp32")
    ab, bb2 = rnd(32, 512, 64), rnd(32, 64, 512)
    row("bmm f32", "32x512x64x512", time_ms(lambda: ab @ bb2), flops=2.0 * 32 * 512 * 64 * 512, kind="fp32")
    xc, wc = rnd(64, 64, 56, 56), rnd(64, 64, 3, 3)
    row("conv2d f32 3x3 pad 1 (cuDNN)", "64x64x56x56, 64 out", time_ms(lambda: F.conv2d(xc, wc, padding=1)),
        flops=2.0 * 64 * 64 * 64 * 9 * 56 * 56, kind="fp32")
    mx = rnd(128, 64, 28, 28)
    row("max_pool2d(2)", "128x64x28x28", time_ms(lambda: F.max_pool2d(mx, 2)), 4.0 * mx.numel() * 1.75)

    print()
    print(f"{'op':<34} {'shape':<26} {'median ms':>10} {'GB/s':>9} {'%copy':>7} {'TFLOP/s':>9} {'%cuBLAS':>8}")
    for r_ in rows:
        print(r_)


if __name__ == "__main__":
    main()
