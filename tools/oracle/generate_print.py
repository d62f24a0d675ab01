#!/usr/bin/python3
"""PyTorch's printed text of tensors, the oracle for jgrad's Tensor.toString.

Builds a set of tensors in PyTorch (0-d to 4-d, float32 and float64, int64,
int32, bool, negative numbers, whole numbers, magnitudes far apart, NaN and
infinities, empty tensors, tensors past the 1000-element summary threshold,
rows past the 80-column line width, leaves that require grad and results of
ops) and writes, for each, how to build it and what str() prints, to

    tensor/src/test/resources/oracle-print/tensor_str.json

dev.jgrad.tensor.TensorFormatOracleTest builds the same tensors in jgrad and
compares its toString() with that text, apart from the deliberate differences
the test lists.

    /usr/bin/python3 tools/oracle/generate_print.py           # (re)write the fixture
    /usr/bin/python3 tools/oracle/generate_print.py --check   # regenerate in memory, compare with the file

Deterministic: random values come from a torch.Generator seeded with the CRC32
of the case name and are stored in the fixture, so the Java side never draws.

Fixture: a JSON object with "torch" (the version that printed) and "cases", a
list written one case per line. Each case is
    {"name": ..., "dtype": "float32" | "float64" | "int64" | "int32" | "bool" |
               "float16" | "bfloat16",
     "shape": [...], "values": [...] or "arange": [start, end],
     "requires_grad": bool, "then": [[op, args...], ...], "str": ...}
"values" is the flat row-major list (NaN and infinities as the strings "nan",
"inf", "-inf"; bools as true/false); "arange" is torch.arange(start, end) in
the dtype, reshaped. "then" applies ops in order, as build() below does.
"""

import argparse
import json
import math
import os
import sys
import zlib

import torch

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_FILE = os.path.join(REPO_ROOT, "tensor", "src", "test", "resources", "oracle-print", "tensor_str.json")

DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


def build(case):
    """The tensor a case describes; the Java test follows the same steps."""
    dtype = DTYPES[case["dtype"]]
    if "arange" in case:
        start, end = case["arange"]
        t = torch.arange(start, end, dtype=dtype)
    else:
        vals = [float(v) if isinstance(v, str) else v for v in case["values"]]
        t = torch.tensor(vals, dtype=dtype)
    t = t.reshape(case["shape"])
    if case.get("requires_grad"):
        t.requires_grad_(True)
    for step in case.get("then", []):
        op, args = step[0], step[1:]
        if op == "mul":
            t = t * args[0]
        elif op == "add":
            t = t + args[0]
        elif op == "sub_self":
            t = t - t
        elif op == "div":
            t = t / args[0]
        elif op in ("sum", "mean", "exp", "neg", "relu", "tanh", "sigmoid", "log", "abs", "sqrt"):
            t = getattr(t, op)()
        elif op == "softmax":
            t = t.softmax(args[0])
        elif op == "pow":
            t = t.pow(args[0])
        elif op == "reshape":
            t = t.reshape(args[0])
        elif op == "matmul_t":
            t = t.matmul(t.t())
        elif op == "to":
            t = t.to(DTYPES[args[0]])
        elif op == "t":
            t = t.t()
        else:
            raise ValueError("unknown op " + op)
    return t


def stored(values):
    """JSON-safe values: NaN and infinities as strings."""
    out = []
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            out.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            out.append(v)
    return out


def values_case(name, values, shape=None, dtype="float32", **extra):
    t = torch.tensor([float(v) if isinstance(v, str) else v for v in values], dtype=DTYPES[dtype])
    return dict(name=name, dtype=dtype, shape=list(t.shape) if shape is None else shape,
                values=stored(t.tolist()), **extra)


def random_case(name, shape, dtype="float32", scale=1.0, **extra):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode("utf-8")))
    t = (torch.randn(shape, generator=g, dtype=torch.float64) * scale).to(DTYPES[dtype])
    return dict(name=name, dtype=dtype, shape=list(shape), values=stored(t.reshape(-1).tolist()), **extra)


def arange_case(name, start, end, shape, dtype="float32", **extra):
    return dict(name=name, dtype=dtype, shape=list(shape), arange=[start, end], **extra)


def cases():
    nan, inf = "nan", "inf"
    c = [
        # 0-d
        values_case("scalar", [3.5], []),
        values_case("scalar_whole", [2.0], []),
        values_case("scalar_negative", [-0.125], []),
        values_case("scalar_int64", [7], [], "int64"),
        values_case("scalar_int32", [-7], [], "int32"),
        values_case("scalar_float64", [0.25], [], "float64"),
        values_case("scalar_bool", [True], [], "bool"),
        values_case("scalar_nan", [nan], []),
        values_case("scalar_tiny", [1e-7], []),
        # 1-d
        values_case("vector_whole", [1, 2, 3]),
        values_case("vector_fractions", [1.5, -2.25, 3.125]),
        values_case("vector_negative", [-1, 2, -3]),
        values_case("vector_zeros", [0, 0, 0]),
        values_case("vector_negative_zero", [-0.0, 1.0]),
        values_case("vector_one", [42.0]),
        values_case("vector_ties_float64", [0.00025, 0.00035, 0.00045, 0.1], dtype="float64"),
        values_case("vector_ties_float32", [0.125, 0.375, 1.00005, 2.5]),
        values_case("vector_rounds_up_to_next_power", [9.99996, 0.5]),
        values_case("vector_thousand_ratio_stays_fixed", [1, 1000]),
        values_case("scientific_float32_just_below_1e-4", [0.0001, 0.05]),
        random_case("vector_random", [7]),
        random_case("vector_random_float64", [5], "float64"),
        # 2-d and up
        values_case("matrix_whole", [1, 2, 3, 4, 5, 6], [2, 3]),
        values_case("matrix_fractions", [1.5, 2, 3, 4.25], [2, 2]),
        values_case("matrix_aligned", [1, -100, 10, 0.5], [2, 2]),
        values_case("matrix_one_by_one", [5], [1, 1]),
        values_case("matrix_row", [1, 2, 3], [1, 3]),
        values_case("matrix_column", [1, 2, 3], [3, 1]),
        random_case("matrix_random", [4, 5]),
        random_case("matrix_random_float64", [3, 3], "float64"),
        arange_case("cube", 0, 24, [2, 3, 4]),
        arange_case("four_d", 0, 16, [2, 2, 2, 2]),
        arange_case("five_d", 0, 32, [2, 2, 2, 2, 2], "int64"),
        values_case("matrix_transposed", [1, 2, 3, 4, 5, 6], [2, 3], "int64", then=[["t"]]),
        # integers and bools
        values_case("int64", [1, -20, 300], dtype="int64"),
        values_case("int32", [1, -20, 300], dtype="int32"),
        values_case("int64_matrix", [1, 2, 30, -4], [2, 2], "int64"),
        values_case("int32_matrix", [1, 2, 3, 4], [2, 2], "int32"),
        values_case("int64_past_2_to_53", [9007199254740993, -1], dtype="int64"),
        values_case("bool", [True, False, True], dtype="bool"),
        values_case("bool_matrix", [True, False, False, True], [2, 2], "bool"),
        # the 16-bit floats: their values are printed as the doubles they are
        random_case("float16_random", [2, 3], "float16"),
        random_case("bfloat16_random", [3, 2], "bfloat16"),
        values_case("float16_whole", [1, 2048, -3], dtype="float16"),
        values_case("bfloat16_scientific", [1e-5, 1.0, 3e4], dtype="bfloat16"),
        values_case("float16_nonfinite", [nan, inf, "-inf", 65504], dtype="float16"),
        values_case("empty_bfloat16", [], dtype="bfloat16"),
        arange_case("summary_float16", 0, 2000, [2000], "float16"),
        # magnitudes: fixed or scientific
        values_case("scientific_small_and_large", [1e-5, 1.0, 1000.0]),
        values_case("scientific_ratio", [1.0, 12345.0]),
        values_case("scientific_large", [1e9, 1.0]),
        values_case("scientific_small", [1e-5, 2e-5]),
        values_case("scientific_with_zero", [1e-5, 0]),
        values_case("scientific_mixed", [0.001, 123.456]),
        values_case("scientific_whole_large", [123456789.0, 1.0]),
        values_case("scientific_negative", [-1e-5, 3e3, 0.5]),
        values_case("scientific_three_digit_exponent", [1e200, -1e-200, 1.0], dtype="float64"),
        random_case("scientific_random", [2, 3], scale=1e6),
        # non-finite
        values_case("nonfinite", [nan, inf, "-inf", 1.5]),
        values_case("nonfinite_whole", [nan, 1.0, 2.0]),
        values_case("nonfinite_only", [nan, nan]),
        values_case("nonfinite_infinities", [inf, 0, "-inf"]),
        values_case("nonfinite_scientific", [nan, 1e-6, 1.0]),
        # empty
        values_case("empty", []),
        values_case("empty_matrix", [], [2, 0]),
        values_case("empty_rows", [], [0, 3]),
        values_case("empty_int64", [], dtype="int64"),
        values_case("empty_bool", [], dtype="bool"),
        values_case("empty_int32", [], [0, 2], "int32"),
        values_case("empty_float64", [], dtype="float64"),
        # summarized past 1000 elements
        arange_case("summary_vector", 0, 2000, [2000]),
        arange_case("summary_vector_int64", 0, 2000, [2000], "int64"),
        arange_case("summary_matrix", 0, 2000, [40, 50]),
        arange_case("summary_matrix_int64", 0, 2000, [40, 50], "int64"),
        arange_case("summary_cube", 0, 3000, [10, 15, 20]),
        arange_case("summary_short_rows", 0, 2000, [1000, 2], "int64"),
        arange_case("summary_long_rows", 0, 2002, [2, 1001], "int64"),
        values_case("summary_zeros", [0.0] * 1001),
        values_case("summary_threshold_exact", [0.0] * 1000),
        # rows wrapped at 80 columns
        arange_case("wrapped_vector", 0, 30, [30], then=[["div", 7]]),
        arange_case("wrapped_int64", 0, 60, [60], "int64"),
        random_case("wrapped_matrix", [3, 20]),
        random_case("wrapped_cube", [2, 2, 15]),
        random_case("wrapped_random", [40]),
        # autograd: leaves and results of ops whose jgrad primitive is PyTorch's
        values_case("requires_grad", [1, 2], requires_grad=True),
        values_case("requires_grad_float64", [1, 2], dtype="float64", requires_grad=True),
        values_case("requires_grad_scalar", [3], [], requires_grad=True),
        values_case("requires_grad_matrix", [1, 2, 3, 4], [2, 2], requires_grad=True),
        values_case("op_mul", [1, 2, 3], requires_grad=True, then=[["mul", 2]]),
        values_case("op_add", [1, 2, 3], requires_grad=True, then=[["add", 1]]),
        values_case("op_sub", [1, 2, 3], requires_grad=True, then=[["sub_self"]]),
        values_case("op_div", [1, 2, 3], requires_grad=True, then=[["div", 2]]),
        values_case("op_sum", [1, 2, 3], requires_grad=True, then=[["sum"]]),
        values_case("op_exp", [0, 1, 2], requires_grad=True, then=[["exp"]]),
        values_case("op_log", [1, 2, 3], requires_grad=True, then=[["log"]]),
        values_case("op_neg", [1, -2], requires_grad=True, then=[["neg"]]),
        values_case("op_abs", [1, -2], requires_grad=True, then=[["abs"]]),
        values_case("op_sqrt", [1, 2, 4], requires_grad=True, then=[["sqrt"]]),
        values_case("op_relu", [-1, 0.5, 2], requires_grad=True, then=[["relu"]]),
        values_case("op_tanh", [-1, 0, 1], requires_grad=True, then=[["tanh"]]),
        values_case("op_sigmoid", [-1, 0, 1], requires_grad=True, then=[["sigmoid"]]),
        values_case("op_softmax", [1, 2, 3], requires_grad=True, then=[["softmax", 0]]),
        values_case("op_chain", [1, 2, 3], requires_grad=True, then=[["mul", 2], ["add", 1], ["sum"]]),
        values_case("op_float64", [1, 2], dtype="float64", requires_grad=True, then=[["mul", 3]]),
        random_case("op_wraps_suffix", [8], requires_grad=True, then=[["mul", 1]]),
        # ... and ops jgrad builds from other primitives or names differently (the Java test lists them)
        values_case("op_mean", [1, 2, 3], requires_grad=True, then=[["mean"]]),
        values_case("op_pow", [1, 2, 3], requires_grad=True, then=[["pow", 2]]),
        values_case("op_reshape", [1, 2, 3, 4], requires_grad=True, then=[["reshape", [2, 2]]]),
        values_case("op_matmul", [1, 2, 3, 4], [2, 2], requires_grad=True, then=[["matmul_t"]]),
        values_case("op_cast", [1, 2], requires_grad=True, then=[["to", "float64"]]),
    ]
    for case in c:
        case["str"] = str(build(case))
    names = [case["name"] for case in c]
    assert len(set(names)) == len(names), "duplicate case names"
    return c


def render(all_cases):
    lines = ['{"torch": ' + json.dumps(torch.__version__) + ',', ' "cases": [']
    for i, case in enumerate(all_cases):
        lines.append("  " + json.dumps(case, allow_nan=False) + ("," if i + 1 < len(all_cases) else ""))
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file on disk")
    args = ap.parse_args()
    torch.set_printoptions(profile="default")
    text = render(cases())
    if args.check:
        with open(OUT_FILE, encoding="utf-8") as f:
            if f.read() != text:
                print("tensor_str.json differs from a fresh run", file=sys.stderr)
                sys.exit(1)
        print("tensor_str.json matches a fresh run")
        return
    os.makedirs(os.path.dirname(OUT_FILE), exist_ok=True)
    with open(OUT_FILE, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote", os.path.relpath(OUT_FILE, REPO_ROOT))


if __name__ == "__main__":
    main()
