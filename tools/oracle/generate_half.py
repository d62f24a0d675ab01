#!/usr/bin/python3
"""PyTorch oracle fixtures for jgrad's 16-bit float types (float16, bfloat16).

Two kinds of fixture:

1. Conversions, bit for bit:
       kernels/src/test/resources/half/conversions.txt
   CRC32 checksums of PyTorch's conversions, per block of inputs:
     f16_to_f32, bf16_to_f32   every one of the 65,536 16-bit patterns, widened to float32;
     f32_to_f16, f32_to_bf16   float32 patterns (hi << 16) | lo for every hi in [0, 65536) and
                               every lo in LOWS, which puts every rounding boundary of both
                               formats (the exact ties, one float32 ulp either side, the carries
                               into the exponent, overflow to infinity, every subnormal step, and
                               the NaNs and infinities) among the inputs.
   Each line is "<table> <block> <crc32 hex>": for the widening tables a block is 1024
   consecutive patterns, for the rounding tables the 1024 values of hi in the block, each with
   every lo (hi-major); the CRC is over the outputs' little-endian bytes. The Java test
   (dev.jgrad.kernels.HalfConversionTest) converts the same inputs and compares block checksums.

   PyTorch runs with ATEN_CPU_CAPABILITY=default, so that its conversions are c10's scalar
   definitions (c10::Half, c10::BFloat16). Its AVX2/AVX-512 loops give the same bits except for
   a float32 NaN converted to bfloat16, which they write as 0xFFFF where c10 writes 0x7FC0;
   jgrad follows c10 (both are NaN). This script checks that claim on every float NaN pattern
   of the table before writing.

2. Ops on half tensors, forward and backward:
       autograd/src/test/resources/oracle-half/<op>.safetensors
   for add, matmul, softmax, sum and layer_norm, each case once in float16 and once in bfloat16,
   in the format of tools/oracle/README.md (c<i>.in<j>, c<i>.out, c<i>.gout, c<i>.grad<j>),
   with inputs, outputs and gradients stored as F16 or BF16 (so the files also test reading
   what a PyTorch writer writes for those dtypes). The torch results come from its CPU kernels
   in the half type where torch 1.13 has them and they compute in float32 and round once (add
   and sum in both types, softmax in bfloat16). Elsewhere they come from the definition PyTorch's
   CUDA kernels (and its later CPU kernels) implement: float32 arithmetic on the half inputs, each
   result rounded once. That covers the ops torch 1.13's CPU lacks in float16 (matmul, softmax,
   layer_norm) and two it has in bfloat16 but rounds inside: its bfloat16 matmul accumulates in
   bfloat16 (max error 0.116 against float64 on case 1, against 0.024 for float32 accumulation)
   and its bfloat16 layer_norm rounds its statistics (0.022 against 0.012). The metadata of each
   case says which ("reference": "torch" or "float32 rounded").

Usage:
    /usr/bin/python3 tools/oracle/generate_half.py            # write both
    /usr/bin/python3 tools/oracle/generate_half.py --only conversions
    /usr/bin/python3 tools/oracle/generate_half.py --verify   # regenerate in memory, compare with the files

Deterministic: torch runs on one thread; each op's inputs come from a generator seeded with
the CRC32 of the op name.
"""

import os

os.environ["ATEN_CPU_CAPABILITY"] = "default"   # c10's scalar conversions (see above); before torch loads

import argparse  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONVERSIONS = os.path.join(REPO_ROOT, "kernels", "src", "test", "resources", "half", "conversions.txt")
OPS_DIR = os.path.join(REPO_ROOT, "autograd", "src", "test", "resources", "oracle-half")

BLOCK = 1024
# Low 16 bits of the float32 inputs. bfloat16 rounds at bit 16: ties at 0x8000, one ulp either
# side, and the extremes. float16 (normal) rounds at bit 13: for every value of bits 13-15, the
# tie 0x1000 and its neighbours, the all-ones and zero below it. Subnormal float16 results round
# at bit 14 and higher, so their ties fall on the hi half with lo = 0 (and hi - 1 with lo =
# 0xFFFF for the value just below).
LOWS = sorted({0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF}
              | {(k << 13) | d for k in range(8) for d in (0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF)})


def crc(arr):
    return zlib.crc32(np.ascontiguousarray(arr).tobytes()) & 0xFFFFFFFF


def float_inputs():
    hi = np.arange(65536, dtype=np.uint32)[:, None] << 16
    lo = np.array(LOWS, dtype=np.uint32)[None, :]
    return (hi | lo).reshape(-1)   # hi-major


def conversion_lines():
    lines = [
        "# PyTorch %s conversions (ATEN_CPU_CAPABILITY=default), written by tools/oracle/generate_half.py" % torch.__version__,
        "# <table> <block> <crc32 of the outputs' little-endian bytes>; %d inputs per widening block, %d hi values x %d lo values per rounding block"
        % (BLOCK, BLOCK, len(LOWS)),
        "# lows " + " ".join("%04x" % v for v in LOWS),
    ]
    bits16 = np.arange(65536, dtype=np.uint16)
    for name, dt in (("f16_to_f32", torch.float16), ("bf16_to_f32", torch.bfloat16)):
        out = torch.from_numpy(bits16.view(np.int16).copy()).view(dt).float().numpy().view(np.uint32).astype("<u4")
        for b in range(65536 // BLOCK):
            lines.append("%s %d %08x" % (name, b, crc(out[b * BLOCK:(b + 1) * BLOCK])))
    x = float_inputs()
    per_block = BLOCK * len(LOWS)
    xf = torch.from_numpy(x.view(np.float32).copy())
    for name, dt in (("f32_to_f16", torch.float16), ("f32_to_bf16", torch.bfloat16)):
        out = xf.to(dt).view(torch.int16).numpy().view(np.uint16).astype("<u2")
        check_nans(name, x, out)
        for b in range(65536 // BLOCK):
            lines.append("%s %d %08x" % (name, b, crc(out[b * per_block:(b + 1) * per_block])))
    return "\n".join(lines) + "\n"


def check_nans(name, x, out):
    """Every float32 NaN becomes c10's canonical NaN: sign | 0x7E00 (float16), 0x7FC0 (bfloat16)."""
    nan = (x & 0x7FFFFFFF) > 0x7F800000
    want = ((x[nan] >> 16) & 0x8000) | 0x7E00 if name == "f32_to_f16" else np.full(nan.sum(), 0x7FC0, dtype=np.uint32)
    got = out[nan].astype(np.uint32)
    if not np.array_equal(got, want):
        sys.exit("%s: NaNs are not the canonical c10 NaN (is ATEN_CPU_CAPABILITY=default honoured?): %s"
                 % (name, sorted({hex(v) for v in got[:64]})))


# =============================================================================
# Op fixtures
# =============================================================================

ST = {torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2), torch.float32: ("F32", 4), torch.int64: ("I64", 8)}


def raw_bytes(t):
    """The little-endian bytes of a contiguous F16, BF16 (the bits as they are), F32 or I64 tensor."""
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4" if t.dtype == torch.float32 else "<i8").tobytes()


def safetensors_bytes(tensors, metadata):
    """A safetensors file of `tensors` (list of (name, tensor)), written by hand: JSON header + raw little-endian bytes.
    Also used by generate_checkpoint.py."""
    entries, chunks, offset = {}, [], 0
    for name, t in sorted(tensors, key=lambda nt: -ST[nt[1].dtype][1]):
        raw = raw_bytes(t.detach().contiguous())
        entries[name] = {"dtype": ST[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header = {"__metadata__": metadata}
    header.update((name, entries[name]) for name, _ in tensors)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((-(8 + len(h))) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def native(op, dt):
    """Whether torch 1.13's CPU kernel for op in dt computes in float32 and rounds once (else the fixture uses float32 rounded)."""
    return op in ("add", "sum") or (op == "softmax" and dt == torch.bfloat16)


def make_cases(op, g):
    def randn(*shape, scale=1.0):
        return torch.randn(shape, generator=g, dtype=torch.float64) * scale

    if op == "add":
        return [({}, [randn(4, 7, scale=3), randn(7, scale=3)]), ({}, [randn(3, 1, 5), randn(1, 6, 5, scale=100)])]
    if op == "matmul":
        return [({}, [randn(5, 64), randn(64, 3)]), ({}, [randn(2, 4, 33), randn(2, 33, 6)]), ({}, [randn(300), randn(300, 2)])]
    if op == "softmax":
        return [({"dim": -1}, [randn(4, 50, scale=4)]), ({"dim": 0}, [randn(6, 3, scale=10)])]
    if op == "sum":
        return [({"dims": None, "keepdim": False}, [randn(40, 50)]), ({"dims": [1], "keepdim": True}, [randn(3, 200, 2, scale=5)])]
    if op == "layer_norm":
        return [({"normalized_shape": [16], "weight": True, "bias": True, "eps": 1e-5}, [randn(3, 5, 16, scale=3), randn(16), randn(16)]),
                ({"normalized_shape": [4, 8], "weight": False, "bias": False, "eps": 1e-5}, [randn(2, 4, 8, scale=2) + 5])]
    raise ValueError(op)


def run_op(op, p, xs):
    if op == "add":
        return xs[0] + xs[1]
    if op == "matmul":
        return xs[0] @ xs[1]
    if op == "softmax":
        return xs[0].softmax(p["dim"])
    if op == "sum":
        return xs[0].sum() if p["dims"] is None else xs[0].sum(p["dims"], keepdim=p["keepdim"])
    if op == "layer_norm":
        w = xs[1] if p["weight"] else None
        b = xs[1 + int(p["weight"])] if p["bias"] else None
        return F.layer_norm(xs[0], p["normalized_shape"], w, b, p["eps"])
    raise ValueError(op)


def op_fixture(op):
    g = torch.Generator().manual_seed(zlib.crc32(op.encode()))
    tensors, meta, i = [], {"op": op}, 0
    for params, inputs in make_cases(op, g):
        for dt in (torch.float16, torch.bfloat16):
            xs = [x.to(dt) for x in inputs]
            gout_shape = run_op(op, params, [x.float() for x in xs]).shape
            gout = torch.randn(gout_shape, generator=g, dtype=torch.float64).to(dt)
            if native(op, dt):
                leaves = [x.clone().requires_grad_() for x in xs]
                out = run_op(op, params, leaves)
                out.backward(gout)
                grads = [x.grad for x in leaves]
                how = "torch"
            else:
                leaves = [x.float().requires_grad_() for x in xs]
                out32 = run_op(op, params, leaves)
                out32.backward(gout.float())
                out, grads = out32.to(dt), [x.grad.to(dt) for x in leaves]
                how = "float32 rounded"
            assert out.dtype == dt and all(gr.dtype == dt for gr in grads)
            c = "c%d." % i
            for j, x in enumerate(xs):
                tensors.append((c + "in%d" % j, x))
            tensors.append((c + "out", out.detach()))
            tensors.append((c + "gout", gout))
            for j, gr in enumerate(grads):
                tensors.append((c + "grad%d" % j, gr))
            meta["case%d" % i] = json.dumps(dict(params, dtype=str(dt).replace("torch.", ""), reference=how), separators=(",", ":"))
            i += 1
    meta["cases"] = str(i)
    meta["torch"] = torch.__version__
    return safetensors_bytes(tensors, meta)


OPS = ["add", "matmul", "softmax", "sum", "layer_norm"]


def write_or_verify(files, verify):
    """Writes each {path: bytes} file, or with `verify` compares it with the file there; returns the
    exit status (1 when a file differs). Used by every generator that imports this module."""
    bad = 0
    for path, data in files.items():
        rel = os.path.relpath(path, REPO_ROOT)
        if verify:
            with open(path, "rb") as f:
                same = f.read() == data
            print(("ok       " if same else "DIFFERS  ") + rel)
            bad += not same
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            print("wrote %s (%d bytes)" % (rel, len(data)))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="conversions, ops, or a comma-separated list of op names")
    ap.add_argument("--verify", action="store_true", help="regenerate in memory and compare with the files")
    args = ap.parse_args()
    torch.set_num_threads(1)
    only = set(args.only.split(",")) if args.only else None
    want = {}
    if only is None or "conversions" in only:
        want[CONVERSIONS] = conversion_lines().encode("utf-8")
    for op in OPS:
        if only is None or "ops" in only or op in only:
            want[os.path.join(OPS_DIR, op + ".safetensors")] = op_fixture(op)
    sys.exit(write_or_verify(want, args.verify))


if __name__ == "__main__":
    main()
