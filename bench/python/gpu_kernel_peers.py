#!/usr/bin/env python3
"""PyTorch (cuBLAS / cuDNN) timings of the shapes dev.jgrad.bench.GpuKernelBench times.

GEMM at N^3 (FP32, TF32, BF16 in / FP32 out is not a torch op: BF16 in, BF16 out is timed instead and
marked so) and convolution forward / backward-data / backward-weight for the ResNet and MNIST CNN
layers, FP32 and TF32 (torch.backends.cudnn.allow_tf32 set to match; cudnn.benchmark on, so cuDNN
picks its fastest algorithm, as a tuned PyTorch run would). Each op: warm-up, then the median of
many repeats timed with CUDA events. Random inputs, never zeros.

Besides the table it prints one line per timing, "PEER<TAB>key<TAB>ms", that GpuKernelBench reads
(--peers FILE) to fill its "vs ref" column for the convolutions.
Usage (on the GPU machine):  python3 bench/python/gpu_kernel_peers.py [reps] [size] > $OUT/kernel-peers.txt
"""
import sys
import torch

import cuda_timing  # next to this script

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
dev = torch.device("cuda")
rows, peers = [], []

LAYERS = [  # name, (n, c, h, w, k, r, stride, pad): the same list as GpuKernelBench.LAYERS
    ("ResNet 64->64 3x3 56^2", (64, 64, 56, 56, 64, 3, 1, 1)),
    ("ResNet 128->128 3x3 28^2", (64, 128, 28, 28, 128, 3, 1, 1)),
    ("MNIST conv1 1->32 3x3 28^2", (64, 1, 28, 28, 32, 3, 1, 1)),
    ("MNIST conv2 32->64 3x3 14^2", (64, 32, 14, 14, 64, 3, 1, 1)),
]


def time_ms(fn):
    return cuda_timing.time_ms(fn, REPS)


def rnd(*shape, dtype=torch.float32):
    return (torch.rand(*shape, device=dev, dtype=torch.float32) * 2 - 1).to(dtype)


def row(name, shape, ms, flops, key):
    rows.append(f"{name:<40} {shape:<30} {ms:9.4f} {flops / (ms * 1e-3) / 1e12:8.2f}")
    peers.append(f"PEER\t{key}\t{ms:.6f}")


def main():
    torch.backends.cudnn.benchmark = True
    print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name()}, CUDA {torch.version.cuda}, "
          f"cuDNN {torch.backends.cudnn.version()}; median of {REPS}")
    s = SIZE
    A, B = rnd(s, s), rnd(s, s)
    fl = 2.0 * s ** 3
    for tf32 in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        prec = "tf32" if tf32 else "fp32"
        row(f"torch.mm {prec.upper()}", f"{s}^3", time_ms(lambda: A @ B), fl, f"gemm {prec} {s}")
    torch.backends.cuda.matmul.allow_tf32 = False
    Ab, Bb = A.bfloat16(), B.bfloat16()
    row("torch.mm BF16 (BF16 out)", f"{s}^3", time_ms(lambda: Ab @ Bb), fl, f"gemm bf16 {s}")
    del A, B, Ab, Bb

    for name, (n, c, h, w, k, r, st, pad) in LAYERS:
        key = f"{n}x{c}x{h}x{w} k{k} r{r} s{st} p{pad}"
        x, wt = rnd(n, c, h, w), rnd(k, c, r, r)
        y = torch.nn.functional.conv2d(x, wt, stride=st, padding=pad)
        dy = rnd(*y.shape)
        p, q = y.shape[2], y.shape[3]
        fl = 2.0 * n * k * p * q * c * r * r
        for tf32 in (False, True):
            torch.backends.cudnn.allow_tf32 = tf32
            prec = "tf32" if tf32 else "fp32"
            row(f"cuDNN fwd {prec.upper()}", name, time_ms(lambda: torch.nn.functional.conv2d(x, wt, stride=st, padding=pad)), fl,
                f"conv fwd {prec} {key}")
            bw = torch.ops.aten.convolution_backward
            row(f"cuDNN dgrad {prec.upper()}", name,
                time_ms(lambda: bw(dy, x, wt, None, [st, st], [pad, pad], [1, 1], False, [0, 0], 1, [True, False, False])), fl,
                f"conv dgrad {prec} {key}")
            row(f"cuDNN wgrad {prec.upper()}", name,
                time_ms(lambda: bw(dy, x, wt, None, [st, st], [pad, pad], [1, 1], False, [0, 0], 1, [False, True, False])), fl,
                f"conv wgrad {prec} {key}")
        torch.backends.cudnn.allow_tf32 = False

    print()
    print(f"{'op':<40} {'shape':<30} {'ms':>9} {'TFLOP/s':>8}")
    for r_ in rows:
        print(r_)
    print()
    for p_ in peers:
        print(p_)


if __name__ == "__main__":
    main()
