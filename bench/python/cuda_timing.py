"""CUDA-event timing shared by the GPU peer scripts (gpu_peers.py, gpu_kernel_peers.py,
gpu_attention_peers.py), the same procedure as dev.jgrad.bench.KernelTable.time on the Java side:
max(3, reps // 5) warm-up calls, a synchronize, then reps calls each between two CUDA events on
the current stream; the median in milliseconds.

    from cuda_timing import time_ms
    ms = time_ms(lambda: a @ b, 30)
"""
import torch


def time_ms(fn, reps):
    for _ in range(max(3, reps // 5)):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ms = []
    for _ in range(reps):
        start.record()
        fn()
        end.record()
        end.synchronize()
        ms.append(start.elapsed_time(end))
    ms.sort()
    return ms[len(ms) // 2]
