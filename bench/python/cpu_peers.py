#!/usr/bin/env python3
"""Peer timings for jgrad's CPU benchmark CLI (dev.jgrad.bench.Main).

Speaks JSON lines over stdin/stdout, so that the CLI can time each case in jgrad and in the
peers back to back (on a shared machine, both then see the same conditions):

  in, first line:   {"threads": 2, "budget": {"warmup_s": .5, "measure_s": 2, "max_call_s": 8}}
  out, first line:  {"threads": 2, "python": ..., "numpy": {"available": true, "version": ...,
                     "blas": "OpenBLAS 0.3.21 ...", "openblas": true}, "torch": {...}}
  in, then:         one case per line, {"id": "matmul/512", "openblas": true, "kind": "matmul", "n": 512}
  out, for each:    {"id": ..., "results": {"numpy": {"median_s": ..., "min_s": ..., "samples": ...,
                     "cpu_per_wall": ...}, "torch": {...}}, "errors": [...]}

Progress goes to stderr. Without numpy or torch the corresponding entries say why.

Thread counts match the Java run: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS are
set before numpy and torch are imported (torch.mm goes through OpenBLAS, which
torch.set_num_threads does not limit), and torch.set_num_threads for the rest.

Timing protocol (the same as dev.jgrad.bench.Timing): one cold call, warm-up, then samples of
enough calls to last >= 5 ms each; the median time per call is reported.
"""
import json
import math
import os
import sys
import time

SAMPLE_S = 0.005
MIN_SAMPLES, MAX_SAMPLES = 3, 50


def log(msg):
    print("  [peers] " + msg, file=sys.stderr, flush=True)


def measure(fn, budget):
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    if cold > budget["max_call_s"]:
        return {"median_s": cold, "min_s": cold, "samples": 1, "calls_per_sample": 1, "cpu_per_wall": -1,
                "note": "1 cold call"}
    est = cold
    ws = time.perf_counter()
    calls = 0
    while calls < 1 or time.perf_counter() - ws < budget["warmup_s"]:
        s = time.perf_counter()
        fn()
        est = min(est, time.perf_counter() - s)
        calls += 1
    inner = int(max(1, min(1_000_000, math.ceil(SAMPLE_S / max(est, 1e-9)))))
    per_call = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while len(per_call) < MAX_SAMPLES:
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        t = time.perf_counter() - s
        per_call.append(t / inner)
        if len(per_call) >= MIN_SAMPLES and (time.perf_counter() - start) + t > budget["measure_s"]:
            break
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - start)
    per_call.sort()
    n = len(per_call)
    median = per_call[n // 2] if n % 2 else (per_call[n // 2 - 1] + per_call[n // 2]) / 2
    return {"median_s": median, "min_s": per_call[0], "samples": n, "calls_per_sample": inner, "cpu_per_wall": cpu,
            "note": ""}


# ------------------------------------------------------------------------------------------------
# numpy (OpenBLAS): plain matmuls only
# ------------------------------------------------------------------------------------------------

def numpy_case(np, c):
    if c["kind"] != "matmul":
        return None
    n = c["n"]
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    return lambda: a @ b


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
            "numpy": {"available": False}, "torch": {"available": False}}

    np = torch = None
    try:
        import numpy as np
        a = np.ones((8, 8), dtype=np.float32)
        a @ a  # makes sure the BLAS is loaded
        blas = loaded_blas()
        info["numpy"] = {"available": True, "version": np.__version__, "blas": blas["name"], "openblas": blas["openblas"]}
        if "threads" in blas:
            info["numpy"]["blas_threads"] = blas["threads"]
    except Exception as e:  # noqa: BLE001 - report whatever went wrong
        info["numpy"]["reason"] = "%s: %s" % (type(e).__name__, e)
    try:
        import torch
        torch.set_num_threads(threads)
        t = torch.ones(8, 8)
        torch.mm(t, t)
        info["torch"] = {"available": True, "version": torch.__version__, "num_threads": torch.get_num_threads(),
                         "mkldnn": bool(torch.backends.mkldnn.is_available()), "blas": loaded_blas()["name"]}
    except Exception as e:  # noqa: BLE001
        info["torch"]["reason"] = "%s: %s" % (type(e).__name__, e)
    reply(info)

    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        res, errors = {}, []
        for name, mod, build in (("numpy", np, numpy_case), ("torch", torch, torch_case)):
            if mod is None or (name == "numpy" and not c.get("openblas")):
                continue
            try:
                fn = build(mod, c)
                if fn is None:
                    continue
                res[name] = measure(fn, budget)
                del fn
            except Exception as e:  # noqa: BLE001
                errors.append("%s on %s: %s: %s" % (name, c["id"], type(e).__name__, e))
        if res:
            log("%-24s %s" % (c["id"], "  ".join("%s %.4g s" % (k, v["median_s"]) for k, v in res.items())))
        for e in errors:
            log(e)
        reply({"id": c["id"], "results": res, "errors": errors})


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
            return {"name": get_config().decode().strip(), "openblas": True, "path": path,
                    "threads": int(lib.openblas_get_num_threads())}
        except (OSError, AttributeError):
            continue
    if not libs:
        return {"name": "unknown", "openblas": False}
    return {"name": "not OpenBLAS: " + ", ".join(os.path.realpath(p) for p in libs), "openblas": False}


if __name__ == "__main__":
    main()
