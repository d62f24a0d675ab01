#!/usr/bin/env python3
"""Peer timings for jgrad's CPU benchmark CLI (dev.jgrad.bench.Main).

Speaks JSON lines over stdin/stdout, so that the CLI can interleave blocks of samples of jgrad
and of the peers (on a shared machine, background load then falls on all of them alike):

  in, first line:   {"threads": 2, "budget": {"warmup_s": 2, "min_warmup_s": .2, "settle_window": 5,
                     "settle_tolerance": .1, "max_call_s": 8}}
  out, first line:  {"threads": 2, "python": ..., "env": {"OPENBLAS_CORETYPE": null, ...},
                     "numpy": {"available": true, "version": ..., "blas": "OpenBLAS 0.3.21 ...",
                     "openblas": true, "blas_corename": "Cooperlake"}, "torch": {..., "cpu_capability": "AVX2"}}
  in, then, per case:
    {"cmd": "prepare", "id": "matmul/512", "openblas": true, "kind": "matmul", "n": 512}
        builds the case in numpy and torch and warms each up; replies
        {"id": ..., "ready": {"numpy": {"calls_per_sample": 40, "cold_s": ..., "warmup_s": ..., "batches": ...,
         "settled": true, "single": false}, "torch": {...}}, "errors": [...]}
    {"cmd": "block", "peer": "numpy", "seconds": 0.4}
        times samples for about that long; replies {"peer": ..., "per_call_s": [...], "cpu_s": ..., "wall_s": ...}
    {"cmd": "release"}
        drops the case; replies {"released": true}

Progress goes to stderr. Without numpy or torch the corresponding entries say why.

Thread counts match the Java run: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS are
set before numpy and torch are imported (torch.mm goes through OpenBLAS, which
torch.set_num_threads does not limit), and torch.set_num_threads for the rest. The CLI removes
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE from this process's environment unless told to keep them,
so that OpenBLAS picks the kernel for the CPU it runs on; "env" in the first reply shows what
this process actually saw.

Timing protocol (the same as dev.jgrad.bench.Timing): one cold call; warm-up batches until the
last few agree (the rule's constants come from the CLI), within a bound; then blocks of samples
of enough calls to last >= 5 ms each.
"""
import json
import math
import os
import sys
import time

SAMPLE_S = 0.005
MAX_SAMPLES_PER_BLOCK = 400
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def log(msg):
    print("  [peers] " + msg, file=sys.stderr, flush=True)


def calls_per_sample(per_call):
    return int(max(1, min(1_000_000, math.ceil(SAMPLE_S / max(per_call, 1e-9)))))


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def settled(batches, budget):
    """The warm-up stopping rule of dev.jgrad.bench.Timing.settled: the median of the last
    window of batches within the tolerance of the median of the window before it."""
    w, tol = int(budget["settle_window"]), budget["settle_tolerance"]
    if len(batches) < 2 * w:
        return False
    m1, m0 = median(batches[-w:]), median(batches[-2 * w:-w])
    return m0 / (1 + tol) <= m1 <= m0 * (1 + tol)


def warm_up(fn, budget):
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    if cold > budget["max_call_s"]:
        return {"calls_per_sample": 1, "cold_s": cold, "warmup_s": cold, "batches": 0, "settled": False, "single": True}
    hi = budget["warmup_s"]
    lo = min(budget["min_warmup_s"], hi)
    best, batches = cold, []
    start = time.perf_counter()
    while True:
        inner = calls_per_sample(best)
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        t = (time.perf_counter() - s) / inner
        batches.append(t)
        best = min(best, t)
        elapsed = time.perf_counter() - start
        if elapsed >= hi or (elapsed >= lo and settled(batches, budget)):
            break
    return {"calls_per_sample": calls_per_sample(best), "cold_s": cold, "warmup_s": elapsed, "batches": len(batches),
            "settled": settled(batches, budget), "single": False}


def block(fn, inner, seconds):
    per_call = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while len(per_call) < MAX_SAMPLES_PER_BLOCK:
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        t = time.perf_counter() - s
        per_call.append(t / inner)
        if (time.perf_counter() - start) + t > seconds:
            break
    return {"per_call_s": per_call, "cpu_s": time.process_time() - cpu0, "wall_s": time.perf_counter() - start}


# ------------------------------------------------------------------------------------------------
# numpy (OpenBLAS): plain matmuls only
# ------------------------------------------------------------------------------------------------

def gemm_operands(randn, c):
    """A (m x k) and B (k x n) of a "gemm" case; a transposed operand is a transposed view of a
    stored k x m (or n x k) array, as a backward pass sees it."""
    m, k, n = c["m"], c["k"], c["n"]
    a = randn(k, m).T if c["ta"] else randn(m, k)
    b = randn(n, k).T if c["tb"] else randn(k, n)
    return a, b


def numpy_case(np, c):
    rng = np.random.default_rng(1)
    randn = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
    if c["kind"] == "matmul":
        a, b = randn(c["n"], c["n"]), randn(c["n"], c["n"])
        return lambda: a @ b
    if c["kind"] == "gemm":
        a, b = gemm_operands(randn, c)
        return lambda: a @ b
    return None


# ------------------------------------------------------------------------------------------------
# PyTorch CPU: every case
# ------------------------------------------------------------------------------------------------

def mnist_cnn(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10))


def torch_case(torch, c):
    F = torch.nn.functional
    g = torch.Generator().manual_seed(1)
    randn = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float32)
    kind = c["kind"]

    def no_grad(fn):
        def run():
            with torch.no_grad():
                return fn()
        return run

    if kind == "matmul":
        a, b = randn(c["n"], c["n"]), randn(c["n"], c["n"])
        return no_grad(lambda: torch.mm(a, b))

    if kind == "gemm":
        a, b = gemm_operands(randn, c)
        return no_grad(lambda: torch.mm(a, b))

    if kind == "conv2d":
        n, ci, hw, k = c["n"], c["c"], c["hw"], c["k"]
        x, w, bias = randn(n, ci, hw, hw), randn(k, ci, 3, 3) * 0.1, randn(k)
        if not c["backward"]:
            return no_grad(lambda: F.conv2d(x, w, bias, 1, 1))
        x.requires_grad_(c["input_grad"])
        w.requires_grad_(True)
        bias.requires_grad_(True)
        seed = randn(n, k, hw, hw)

        def step():
            F.conv2d(x, w, bias, 1, 1).backward(seed)
            x.grad = w.grad = bias.grad = None
        return step

    if kind in ("maxpool2d", "avgpool2d"):
        pool = F.max_pool2d if kind == "maxpool2d" else F.avg_pool2d
        x = randn(*c["shape"])
        if not c["backward"]:
            return no_grad(lambda: pool(x, 2))
        x.requires_grad_(True)
        s = c["shape"]
        seed = randn(s[0], s[1], s[2] // 2, s[3] // 2)

        def step():
            pool(x, 2).backward(seed)
            x.grad = None
        return step

    if kind == "softmax":
        x = randn(*c["shape"])
        fn = F.log_softmax if c["log"] else F.softmax
        return no_grad(lambda: fn(x, -1))

    if kind == "layernorm":
        rows, d = c["shape"]
        ln = torch.nn.LayerNorm(d)
        x = randn(rows, d)
        if not c["backward"]:
            return no_grad(lambda: ln(x))
        x.requires_grad_(True)
        seed = randn(rows, d)

        def step():
            ln(x).backward(seed)
            x.grad = ln.weight.grad = ln.bias.grad = None
        return step

    if kind == "binary":
        a, b = randn(*c["a"]), randn(*c["b"])
        return no_grad((lambda: a + b) if c["op"] == "add" else (lambda: a * b))

    if kind == "unary":
        a = randn(*c["shape"])
        return no_grad({"relu": lambda: torch.relu(a), "exp": lambda: torch.exp(a)}[c["op"]])

    if kind == "sum":
        a = randn(*c["shape"])
        return no_grad(lambda: a.sum(c["dim"]))

    if kind == "rows":
        x = randn(*c["shape"])
        fn = {"sort": lambda: torch.sort(x, -1), "topk": lambda: torch.topk(x, c["k"], -1),
              "cumsum": lambda: torch.cumsum(x, -1), "logsumexp": lambda: torch.logsumexp(x, -1)}[c["op"]]
        return no_grad(fn)

    if kind == "attention":
        b, h, t, d = c["b"], c["h"], c["t"], c["d"]
        q, k, v = randn(b, h, t, d), randn(b, h, t, d), randn(b, h, t, d)
        scale = 1 / math.sqrt(d)
        return no_grad(lambda: torch.softmax(q @ k.transpose(2, 3) * scale, -1) @ v)

    if kind == "cast":
        # dst.copy_(src) into an existing tensor, converting dtype as jgrad's dst.copyFrom(src) does
        src = randn(c["n"]).to(getattr(torch, c["from"]))
        dst = torch.empty(c["n"], dtype=getattr(torch, c["to"]))
        return no_grad(lambda: dst.copy_(src))

    if kind == "overhead":
        a = randn(c["n"]).requires_grad_(True)
        b = randn(c["n"]).requires_grad_(True)
        return lambda: a + b

    if kind == "mnist_step":
        torch.manual_seed(13)
        model = mnist_cnn(torch)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = randn(c["batch"], 1, 28, 28)
        labels = torch.randint(0, 10, (c["batch"],), generator=g)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), labels)
            loss.backward()
            opt.step()
            return loss
        return step

    return None


def main():
    config = json.loads(sys.stdin.readline())
    threads = int(config["threads"])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    budget = config["budget"]
    info = {"threads": threads, "python": sys.version.split()[0], "executable": sys.executable,
            "env": {v: os.environ.get(v) for v in BLAS_ENV},
            "numpy": {"available": False}, "torch": {"available": False}}

    np = torch = None
    try:
        import numpy as np
        a = np.ones((8, 8), dtype=np.float32)
        a @ a  # makes sure the BLAS is loaded
        blas = loaded_blas()
        info["numpy"] = {"available": True, "version": np.__version__, "blas": blas["name"], "openblas": blas["openblas"]}
        for key in ("threads", "corename", "path"):
            if key in blas:
                info["numpy"]["blas_" + key] = blas[key]
    except Exception as e:  # noqa: BLE001 - report whatever went wrong
        info["numpy"]["reason"] = "%s: %s" % (type(e).__name__, e)
    try:
        import torch
        torch.set_num_threads(threads)
        t = torch.ones(8, 8)
        torch.mm(t, t)
        blas = loaded_blas()
        info["torch"] = {"available": True, "version": torch.__version__, "num_threads": torch.get_num_threads(),
                         "mkldnn": bool(torch.backends.mkldnn.is_available()), "blas": blas["name"],
                         "cpu_capability": torch_cpu_capability(torch), "build_blas": torch_build_blas(torch)}
        if "corename" in blas:
            info["torch"]["blas_corename"] = blas["corename"]
    except Exception as e:  # noqa: BLE001
        info["torch"]["reason"] = "%s: %s" % (type(e).__name__, e)
    reply(info)

    fns = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        cmd = c.get("cmd")
        if cmd == "prepare":
            fns, ready, errors = {}, {}, []
            for name, mod, build in (("numpy", np, numpy_case), ("torch", torch, torch_case)):
                if mod is None or (name == "numpy" and not c.get("openblas")):
                    continue
                try:
                    fn = build(mod, c)
                    if fn is None:
                        continue
                    ready[name] = warm_up(fn, budget)
                    fns[name] = (fn, ready[name]["calls_per_sample"])
                except Exception as e:  # noqa: BLE001
                    errors.append("%s on %s: %s: %s" % (name, c["id"], type(e).__name__, e))
            for e in errors:
                log(e)
            reply({"id": c["id"], "ready": ready, "errors": errors})
        elif cmd == "block":
            try:
                fn, inner = fns[c["peer"]]
                out = block(fn, inner, c["seconds"])
            except Exception as e:  # noqa: BLE001
                out = {"error": "%s: %s" % (type(e).__name__, e)}
            out["peer"] = c["peer"]
            reply(out)
        elif cmd == "release":
            fns = {}
            reply({"released": True})
        else:
            reply({"error": "unknown command %r" % cmd})


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def loaded_blas():
    """The BLAS this process has loaded (numpy and torch call it through libblas.so.3).

    Looks through /proc/self/maps for BLAS libraries and asks OpenBLAS for its configuration.
    Debian's numpy links the reference BLAS (libblas3) unless OpenBLAS is installed, so a run
    can silently compare against a much slower BLAS; the CLI warns when this is not OpenBLAS.
    """
    import ctypes
    libs = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path)
                if path.startswith("/") and ("blas" in name or "mkl" in name) and path not in libs:
                    libs.append(path)
    except OSError:
        return {"name": "unknown (no /proc/self/maps)", "openblas": False}
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            get_config = lib.openblas_get_config
            get_config.restype = ctypes.c_char_p
            found = {"name": get_config().decode().strip(), "openblas": True, "path": path,
                     "threads": int(lib.openblas_get_num_threads())}
            try:
                # The kernel a DYNAMIC_ARCH build picked for this CPU (or OPENBLAS_CORETYPE forced).
                get_corename = lib.openblas_get_corename
                get_corename.restype = ctypes.c_char_p
                found["corename"] = get_corename().decode().strip()
            except AttributeError:
                found["corename"] = "unknown (no openblas_get_corename in %s)" % path
            return found
        except (OSError, AttributeError):
            continue
    if not libs:
        return {"name": "unknown", "openblas": False}
    return {"name": "not OpenBLAS: " + ", ".join(os.path.realpath(p) for p in libs), "openblas": False}


def torch_cpu_capability(torch):
    """The ISA PyTorch's own kernels dispatch to: torch.backends.cpu.get_cpu_capability() (2.0 and
    later), else the "CPU capability usage" line of torch.__config__.show() (1.x)."""
    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except AttributeError:
        pass
    try:
        for line in torch.__config__.show().splitlines():
            if "CPU capability usage" in line:
                return line.split(":", 1)[1].strip()
    except Exception:  # noqa: BLE001
        pass
    return "unknown"


def torch_build_blas(torch):
    """BLAS_INFO of PyTorch's build ("mkl", "open", "generic": the system libblas.so.3): which
    library its matmuls call, whatever else this process has loaded."""
    import re
    try:
        found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
        if found:
            return found.group(1)
    except Exception:  # noqa: BLE001
        pass
    return "unknown"


if __name__ == "__main__":
    main()
