#!/usr/bin/env python3
"""Emulates, lane by lane, the BF16 tensor-core kernels of cuda-kernels/src/main/cuda/attention.cu
(fwd_tc and bwd_tc) with numpy and compares them with a float64 reference — a check of the
fragment bookkeeping (XOR swizzle, ldmatrix / ldmatrix.trans lane addresses, mma.sync m16n8k16
fragment layouts, the P-from-accumulators reuse, the dSᵀ round trip through shared memory) that
needs no GPU. It transcribes the kernels' index expressions by hand: keep it in step with them.

PTX semantics emulated (PTX ISA, "Matrix fragments for mma.m16n8k16" and "ldmatrix"):
  ldmatrix .x4: lanes 8i..8i+7 give the row addresses of matrix i; lane l receives from matrix i
    the elements (row l/4, cols 2(l%4), 2(l%4)+1); with .trans, (rows 2(l%4), 2(l%4)+1, col l/4).
  mma m16n8k16 (g = lane/4, t = lane%4): a0 (g, 2t..), a1 (g+8, 2t..), a2 (g, 2t+8..),
    a3 (g+8, 2t+8..); b0 (k 2t.., n g), b1 (k 2t+8.., n g); c0,c1 (g, 2t..), c2,c3 (g+8, 2t..).
Usage: /usr/bin/python3 tools/cuda/emulate_attention_tc.py   (prints the relative errors; exit 1 on failure)
"""
import sys
import numpy as np

LOG2E = 1.4426950408889634
LANES = np.arange(32)
G, T = LANES // 4, LANES % 4
G8, H, VV = LANES & 7, (LANES >> 3) & 1, LANES >> 4


def bf16(x):
    """float → bf16 bit patterns (round to nearest even), as uint16."""
    b = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return b.astype(np.uint16)


def f32(u16):
    return (np.asarray(u16).astype(np.uint32) << 16).view(np.float32)


def swz(ch_per_row, r, ch):
    return r * ch_per_row * 16 + ((ch ^ (r & 7)) << 4)


class Smem:
    def __init__(self, nbytes):
        self.m = np.zeros(nbytes // 2, np.uint16)

    def store_chunk(self, byte_off, vals8):
        self.m[byte_off // 2: byte_off // 2 + 8] = vals8

    def ldsm(self, addrs, trans=False):
        """addrs: 32 byte addresses (one per lane). Returns regs [32][4][2] (bf16 bit patterns)."""
        out = np.zeros((32, 4, 2), np.uint16)
        for i in range(4):
            rows = [self.m[addrs[8 * i + r] // 2: addrs[8 * i + r] // 2 + 8] for r in range(8)]
            mat = np.stack(rows)          # 8×8
            if trans:
                mat = mat.T
            for l in range(32):
                out[l, i] = mat[l // 4, 2 * (l % 4): 2 * (l % 4) + 2]
        return out


def mma(c, a, b0, b1):
    """c [32][4] f32; a [32][4][2] bf16; b0, b1 [32][2] bf16 → c += A·B."""
    A = np.zeros((16, 16), np.float32)
    B = np.zeros((16, 8), np.float32)
    for l in range(32):
        g, t = l // 4, l % 4
        A[g, 2 * t:2 * t + 2] = f32(a[l, 0])
        A[g + 8, 2 * t:2 * t + 2] = f32(a[l, 1])
        A[g, 2 * t + 8:2 * t + 10] = f32(a[l, 2])
        A[g + 8, 2 * t + 8:2 * t + 10] = f32(a[l, 3])
        B[2 * t:2 * t + 2, g] = f32(b0[l])
        B[2 * t + 8:2 * t + 10, g] = f32(b1[l])
    C = A.astype(np.float64) @ B.astype(np.float64)
    for l in range(32):
        g, t = l // 4, l % 4
        c[l, 0] += C[g, 2 * t]
        c[l, 1] += C[g, 2 * t + 1]
        c[l, 2] += C[g + 8, 2 * t]
        c[l, 3] += C[g + 8, 2 * t + 1]


def pack(lo, hi):
    return np.stack([bf16(lo), bf16(hi)], -1)


def padded_bf16(x, rows_p):
    bh, n, d = x.shape
    y = np.zeros((bh, rows_p, d), np.uint16)
    y[:, :n] = bf16(x)
    return y


def mask_val(mask, b, qi, kj):
    return 0.0 if mask is None else mask[b, qi, kj]


# ------------------------------------------------------------------------------------------------
def fwd_tc(q, k, v, mask, causal, scale, D, BC):
    bh, L, _ = q.shape
    S = k.shape[1]
    BR, CH = 128, D // 8
    Lp, Sp = -(-L // 128) * 128, -(-S // 128) * 128
    qb, kb, vb = padded_bf16(q, Lp), padded_bf16(k, Sp), padded_bf16(v, Sp)
    out = np.full((bh, L, D), np.nan, np.float32)
    lse = np.full((bh, L), np.nan, np.float32)
    sl2 = scale * LOG2E
    TQ, TKV = BR * D * 2, BC * D * 2
    ntq = -(-L // BR)
    for b in range(bh):
        for bx in range(ntq):
            q0 = (ntq - 1 - bx if causal else bx) * BR
            sm = Smem(TQ + 4 * TKV)
            sQ, sK, sV = 0, TQ, TQ + 2 * TKV
            for tid in range(256):
                for it in range(BR * CH // 256):
                    c = tid + it * 256
                    r, ch = c // CH, c % CH
                    sm.store_chunk(sQ + swz(CH, r, ch), qb[b, q0 + r, 8 * ch:8 * ch + 8])
            kend = min(S, q0 + BR) if causal else S
            nkt = -(-kend // BC)

            def load_kv(j, stage):
                for tid in range(256):
                    for it in range(BC * CH // 256):
                        c = tid + it * 256
                        r, ch = c // CH, c % CH
                        off = stage * TKV + swz(CH, r, ch)
                        sm.store_chunk(sK + off, kb[b, j * BC + r, 8 * ch:8 * ch + 8])
                        sm.store_chunk(sV + off, vb[b, j * BC + r, 8 * ch:8 * ch + 8])
            warps = []
            for w in range(8):
                warps.append(dict(o=np.zeros((D // 8, 32, 4)), m0=np.full(32, -np.inf), m1=np.full(32, -np.inf),
                                  l0=np.zeros(32), l1=np.zeros(32)))
            for j in range(nkt):
                load_kv(j, j & 1)
                kst, vst = sK + (j & 1) * TKV, sV + (j & 1) * TKV
                for w in range(8):
                    st = warps[w]
                    s = np.zeros((BC // 8, 32, 4))
                    for kk in range(D // 16):
                        a = sm.ldsm(sQ + swz(CH, 16 * w + (LANES & 15), 2 * kk + VV))
                        for np_ in range(BC // 16):
                            bb = sm.ldsm(kst + swz(CH, 16 * np_ + G8 + 8 * VV, 2 * kk + H))
                            mma(s[2 * np_], a, bb[:, 0], bb[:, 1])
                            mma(s[2 * np_ + 1], a, bb[:, 2], bb[:, 3])
                    rlo, rhi = q0 + 16 * w + G, q0 + 16 * w + G + 8
                    kbase = j * BC
                    for nt in range(BC // 8):
                        for e in range(4):
                            x = s[nt, :, e].astype(np.float32) * np.float32(sl2)
                            col = kbase + 8 * nt + 2 * T + (e & 1)
                            row = rlo if e < 2 else rhi
                            for l in range(32):
                                if col[l] >= S or (causal and col[l] > row[l]):
                                    x[l] = -np.inf
                                elif mask is not None and row[l] < L:
                                    x[l] += np.float32(mask[b, row[l], col[l]] * LOG2E)
                            s[nt, :, e] = x
                    mx0 = np.max(np.maximum(s[:, :, 0], s[:, :, 1]), axis=0)
                    mx1 = np.max(np.maximum(s[:, :, 2], s[:, :, 3]), axis=0)
                    mx0 = np.maximum(mx0, mx0[LANES ^ 1]); mx0 = np.maximum(mx0, mx0[LANES ^ 2])
                    mx1 = np.maximum(mx1, mx1[LANES ^ 1]); mx1 = np.maximum(mx1, mx1[LANES ^ 2])
                    mn0, mn1 = np.maximum(st["m0"], mx0), np.maximum(st["m1"], mx1)
                    mu0, mu1 = np.where(mn0 == -np.inf, 0, mn0), np.where(mn1 == -np.inf, 0, mn1)
                    al0, al1 = np.exp2(st["m0"] - mu0), np.exp2(st["m1"] - mu1)
                    st["m0"], st["m1"] = mn0, mn1
                    s[:, :, 0] = np.exp2(s[:, :, 0] - mu0); s[:, :, 1] = np.exp2(s[:, :, 1] - mu0)
                    s[:, :, 2] = np.exp2(s[:, :, 2] - mu1); s[:, :, 3] = np.exp2(s[:, :, 3] - mu1)
                    st["l0"] = st["l0"] * al0 + (s[:, :, 0] + s[:, :, 1]).sum(0)
                    st["l1"] = st["l1"] * al1 + (s[:, :, 2] + s[:, :, 3]).sum(0)
                    st["o"][:, :, 0:2] *= al0[None, :, None]
                    st["o"][:, :, 2:4] *= al1[None, :, None]
                    for kk in range(BC // 16):
                        pa = np.stack([pack(s[2 * kk, :, 0], s[2 * kk, :, 1]), pack(s[2 * kk, :, 2], s[2 * kk, :, 3]),
                                       pack(s[2 * kk + 1, :, 0], s[2 * kk + 1, :, 1]), pack(s[2 * kk + 1, :, 2], s[2 * kk + 1, :, 3])], 1)
                        for dp in range(D // 16):
                            bb = sm.ldsm(vst + swz(CH, 16 * kk + G8 + 8 * H, 2 * dp + VV), trans=True)
                            mma(st["o"][2 * dp], pa, bb[:, 0], bb[:, 1])
                            mma(st["o"][2 * dp + 1], pa, bb[:, 2], bb[:, 3])
            for w in range(8):
                st = warps[w]
                l0 = st["l0"] + st["l0"][LANES ^ 1]; l0 = l0 + l0[LANES ^ 2]
                l1 = st["l1"] + st["l1"][LANES ^ 1]; l1 = l1 + l1[LANES ^ 2]
                with np.errstate(divide="ignore", invalid="ignore"):
                    inv0, inv1 = 1 / l0, 1 / l1
                    for l in range(32):
                        rlo, rhi, t = q0 + 16 * w + l // 4, q0 + 16 * w + l // 4 + 8, l % 4
                        for i in range(D // 8):
                            if rlo < L:
                                out[b, rlo, 8 * i + 2 * t:8 * i + 2 * t + 2] = st["o"][i, l, 0:2] * inv0[l]
                            if rhi < L:
                                out[b, rhi, 8 * i + 2 * t:8 * i + 2 * t + 2] = st["o"][i, l, 2:4] * inv1[l]
                        if t == 0 and rlo < L:
                            lse[b, rlo] = -np.inf if st["m0"][l] == -np.inf else (st["m0"][l] + np.log2(l0[l])) / LOG2E
                        if t == 0 and rhi < L:
                            lse[b, rhi] = -np.inf if st["m1"][l] == -np.inf else (st["m1"][l] + np.log2(l1[l])) / LOG2E
    return out, lse


# ------------------------------------------------------------------------------------------------
def bwd_tc(q, k, v, dout, out, lse, mask, causal, scale, D):
    bh, L, _ = q.shape
    S = k.shape[1]
    BC, BR, CH = 128, 64, D // 8
    Lp, Sp = -(-L // 128) * 128, -(-S // 128) * 128
    qb, kb, vb, ob = padded_bf16(q, Lp), padded_bf16(k, Sp), padded_bf16(v, Sp), padded_bf16(dout, Lp)
    dsum = np.zeros((bh, Lp), np.float32)
    lse2 = np.full((bh, Lp), np.inf, np.float32)
    dsum[:, :L] = (dout.astype(np.float64) * out).sum(-1)
    lse2[:, :L] = np.where(lse == -np.inf, np.inf, lse * LOG2E)
    dq = np.zeros((bh, L, D))
    dk = np.full((bh, S, D), np.nan)
    dv = np.full((bh, S, D), np.nan)
    sl2 = scale * LOG2E
    TK, TQ, TDS = BC * D * 2, BR * D * 2, BC * BR * 2
    for b in range(bh):
        for bx in range(-(-S // BC)):
            k0 = bx * BC
            sm = Smem(2 * TK + 4 * TQ + TDS)
            sK, sV, sQ, sO, sS = 0, TK, 2 * TK, 2 * TK + 2 * TQ, 2 * TK + 4 * TQ
            fs = np.zeros((4, BR), np.float32)   # lse2[2][BR], dsum[2][BR]
            for tid in range(256):
                for it in range(BC * CH // 256):
                    c = tid + it * 256
                    r, ch = c // CH, c % CH
                    sm.store_chunk(sK + swz(CH, r, ch), kb[b, k0 + r, 8 * ch:8 * ch + 8])
                    sm.store_chunk(sV + swz(CH, r, ch), vb[b, k0 + r, 8 * ch:8 * ch + 8])
            ntq = -(-L // BR)
            i0 = k0 // BR if causal else 0

            def load_q(i, stage):
                for tid in range(256):
                    for it in range(BR * CH // 256):
                        c = tid + it * 256
                        r, ch = c // CH, c % CH
                        off = stage * TQ + swz(CH, r, ch)
                        sm.store_chunk(sQ + off, qb[b, i * BR + r, 8 * ch:8 * ch + 8])
                        sm.store_chunk(sO + off, ob[b, i * BR + r, 8 * ch:8 * ch + 8])
                fs[stage] = lse2[b, i * BR:(i + 1) * BR]
                fs[2 + stage] = dsum[b, i * BR:(i + 1) * BR]
            dka = np.zeros((8, D // 8, 32, 4))
            dva = np.zeros((8, D // 8, 32, 4))
            for i in range(i0, ntq):
                stage = (i - i0) & 1
                load_q(i, stage)
                qs, os_ = sQ + stage * TQ, sO + stage * TQ
                ls, dsm = fs[stage], fs[2 + stage]
                qbase = i * BR
                dS_all = []
                for w in range(8):
                    klo, khi = k0 + 16 * w + G, k0 + 16 * w + G + 8
                    sc = np.zeros((BR // 8, 32, 4))
                    for kk in range(D // 16):
                        a = sm.ldsm(sK + swz(CH, 16 * w + (LANES & 15), 2 * kk + VV))
                        for np_ in range(BR // 16):
                            bb = sm.ldsm(qs + swz(CH, 16 * np_ + G8 + 8 * VV, 2 * kk + H))
                            mma(sc[2 * np_], a, bb[:, 0], bb[:, 1])
                            mma(sc[2 * np_ + 1], a, bb[:, 2], bb[:, 3])
                    pp = np.zeros((BR // 16, 32, 4, 2), np.uint16)
                    for n in range(BR // 8):
                        p = np.zeros((4, 32), np.float32)
                        for e in range(4):
                            key = klo if e < 2 else khi
                            ql = 8 * n + 2 * T + (e & 1)
                            qi = qbase + ql
                            ok = (key < S) & ~(causal & (key > qi))
                            x = sc[n, :, e].astype(np.float32) * np.float32(sl2)
                            for l in range(32):
                                if mask is not None and ok[l] and qi[l] < L:
                                    x[l] += np.float32(mask[b, qi[l], key[l]] * LOG2E)
                            with np.errstate(invalid="ignore", over="ignore"):
                                p[e] = np.where(ok, np.exp2(x - ls[ql]), 0)
                        pp[n >> 1, :, 2 * (n & 1)] = pack(p[0], p[1])
                        pp[n >> 1, :, 2 * (n & 1) + 1] = pack(p[2], p[3])
                    for kk in range(BR // 16):
                        for dp in range(D // 16):
                            bb = sm.ldsm(os_ + swz(CH, 16 * kk + G8 + 8 * H, 2 * dp + VV), trans=True)
                            mma(dva[w, 2 * dp], pp[kk], bb[:, 0], bb[:, 1])
                            mma(dva[w, 2 * dp + 1], pp[kk], bb[:, 2], bb[:, 3])
                    dpt = np.zeros((BR // 8, 32, 4))
                    for kk in range(D // 16):
                        a = sm.ldsm(sV + swz(CH, 16 * w + (LANES & 15), 2 * kk + VV))
                        for np_ in range(BR // 16):
                            bb = sm.ldsm(os_ + swz(CH, 16 * np_ + G8 + 8 * VV, 2 * kk + H))
                            mma(dpt[2 * np_], a, bb[:, 0], bb[:, 1])
                            mma(dpt[2 * np_ + 1], a, bb[:, 2], bb[:, 3])
                    for n in range(BR // 8):
                        for e in range(4):
                            pair = pp[n >> 1, :, 2 * (n & 1) + (e >> 1)]
                            p = f32(pair[:, e & 1])
                            dpt[n, :, e] = p * (dpt[n, :, e] - dsm[8 * n + 2 * T + (e & 1)])
                    dS_all.append(dpt)
                    for kk in range(BR // 16):
                        da = np.stack([pack(dpt[2 * kk, :, 0], dpt[2 * kk, :, 1]), pack(dpt[2 * kk, :, 2], dpt[2 * kk, :, 3]),
                                       pack(dpt[2 * kk + 1, :, 0], dpt[2 * kk + 1, :, 1]), pack(dpt[2 * kk + 1, :, 2], dpt[2 * kk + 1, :, 3])], 1)
                        r0 = 16 * w + G
                        for l in range(32):
                            for idx, (rr, cc) in enumerate([(r0[l], 2 * kk), (r0[l] + 8, 2 * kk), (r0[l], 2 * kk + 1), (r0[l] + 8, 2 * kk + 1)]):
                                off = (sS + swz(8, rr, cc) + 4 * T[l]) // 2
                                sm.m[off:off + 2] = da[l, idx]
                        for dp in range(D // 16):
                            bb = sm.ldsm(qs + swz(CH, 16 * kk + G8 + 8 * H, 2 * dp + VV), trans=True)
                            mma(dka[w, 2 * dp], da, bb[:, 0], bb[:, 1])
                            mma(dka[w, 2 * dp + 1], da, bb[:, 2], bb[:, 3])
                # __syncthreads(); dQ
                for w in range(8):
                    mt, dh = w & 3, w >> 2
                    dqa = np.zeros((D // 16, 32, 4))
                    for kk in range(BC // 16):
                        a = sm.ldsm(sS + swz(8, 16 * kk + G8 + 8 * VV, 2 * mt + H), trans=True)
                        for dp in range(D // 32):
                            bb = sm.ldsm(sK + swz(CH, 16 * kk + G8 + 8 * H, dh * (D // 16) + 2 * dp + VV), trans=True)
                            mma(dqa[2 * dp], a, bb[:, 0], bb[:, 1])
                            mma(dqa[2 * dp + 1], a, bb[:, 2], bb[:, 3])
                    for l in range(32):
                        qlo, qhi, t = qbase + 16 * mt + l // 4, qbase + 16 * mt + l // 4 + 8, l % 4
                        for n in range(D // 16):
                            col = dh * (D // 2) + 8 * n + 2 * t
                            if qlo < L:
                                dq[b, qlo, col:col + 2] += dqa[n, l, 0:2] * scale
                            if qhi < L:
                                dq[b, qhi, col:col + 2] += dqa[n, l, 2:4] * scale
            for w in range(8):
                for l in range(32):
                    klo, khi, t = k0 + 16 * w + l // 4, k0 + 16 * w + l // 4 + 8, l % 4
                    for i in range(D // 8):
                        col = 8 * i + 2 * t
                        if klo < S:
                            dk[b, klo, col:col + 2] = dka[w, i, l, 0:2] * scale
                            dv[b, klo, col:col + 2] = dva[w, i, l, 0:2]
                        if khi < S:
                            dk[b, khi, col:col + 2] = dka[w, i, l, 2:4] * scale
                            dv[b, khi, col:col + 2] = dva[w, i, l, 2:4]
    return dq, dk, dv


# ------------------------------------------------------------------------------------------------
def reference(q, k, v, mask, causal, scale, dout):
    q, k, v, dout = (x.astype(np.float64) for x in (q, k, v, dout))
    s = scale * q @ k.transpose(0, 2, 1)
    if mask is not None:
        s = s + mask
    if causal:
        s = np.where(np.triu(np.ones(s.shape[1:], bool), 1), -np.inf, s)
    m = s.max(-1, keepdims=True)
    p = np.exp(s - m)
    l = p.sum(-1, keepdims=True)
    p = p / l
    out = p @ v
    lse = (m + np.log(l))[..., 0]
    dv = p.transpose(0, 2, 1) @ dout
    dp = dout @ v.transpose(0, 2, 1)
    ds = p * (dp - (dout * out).sum(-1, keepdims=True))
    dq = scale * ds @ k
    dk = scale * ds.transpose(0, 2, 1) @ q
    return out, lse, dq, dk, dv


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    rng = np.random.default_rng(1)
    ok = True
    cases = [  # (D, BC of the forward, bh, L, S, causal, mask)
        (64, 64, 1, 150, 150, True, False),
        (128, 64, 1, 70, 200, False, True),
        (64, 64, 1, 130, 70, True, True),
    ]
    for D, BC, bh, L, S, causal, with_mask in cases:
        q = rng.standard_normal((bh, L, D)).astype(np.float32)
        k = rng.standard_normal((bh, S, D)).astype(np.float32)
        v = rng.standard_normal((bh, S, D)).astype(np.float32)
        dout = rng.standard_normal((bh, L, D)).astype(np.float32)
        mask = rng.standard_normal((bh, L, S)).astype(np.float32) if with_mask else None
        scale = 1 / np.sqrt(D)
        r_out, r_lse, r_dq, r_dk, r_dv = reference(q, k, v, mask, causal, scale, dout)
        out, lse = fwd_tc(q, k, v, mask, causal, scale, D, BC)
        dq, dk, dv = bwd_tc(q, k, v, dout, r_out.astype(np.float32), r_lse.astype(np.float32), mask, causal, scale, D)
        errs = {"out": rel(out, r_out), "lse": rel(lse, r_lse), "dq": rel(dq, r_dq), "dk": rel(dk, r_dk), "dv": rel(dv, r_dv)}
        bad = {n: e for n, e in errs.items() if not (e < 2e-2)}
        ok &= not bad
        print(f"D={D} BC={BC} bh={bh} L={L} S={S} causal={causal} mask={with_mask}: "
              + ", ".join(f"{n} {e:.2e}" for n, e in errs.items()) + ("  FAIL" if bad else "  ok"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
