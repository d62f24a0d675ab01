package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;

/**
 * 2-D convolution as implicit GEMM (cuda-kernels/src/main/cuda/convgemm.cu): forward, backward-data
 * and backward-weight on NHWC tensors with KRSC filters, FP32 SIMT or TF32 tensor cores, any
 * stride, padding, dilation and groups. The NCHW entry points convert to NHWC and back with
 * transpose kernels (scratch from the device's caching allocator, in stream order).
 *
 * <pre>{@code
 * ConvKernels conv = ConvKernels.of(Devices.get(0));
 * var g = new ConvKernels.Geometry(64, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
 * conv.forward(y, x, w, g, Cuda.allowTf32());   // device addresses of float32 NCHW tensors
 * }</pre>
 */
public final class ConvKernels {
    /**
     * A convolution's sizes: input [n, c, h, w], filters [k, c / groups, r, s], stride (sh, sw),
     * padding (ph, pw), dilation (dh, dw); the output size follows.
     */
    public record Geometry(int n, int c, int h, int w, int k, int r, int s, int sh, int sw, int ph, int pw, int dh, int dw, int groups) {
        public Geometry {
            if (n < 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || r <= 0 || s <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0 || dh <= 0 || dw <= 0
                    || groups <= 0 || c % groups != 0 || k % groups != 0) {
                throw new IllegalArgumentException("conv geometry: bad sizes n=" + n + " c=" + c + " h=" + h + " w=" + w + " k=" + k + " r=" + r
                        + " s=" + s + " stride=" + sh + "x" + sw + " pad=" + ph + "x" + pw + " dilation=" + dh + "x" + dw + " groups=" + groups);
            }
            // (the fields are assigned after this body: compute from the parameters)
            if ((h + 2 * ph - dh * (r - 1) - 1) < 0 || (w + 2 * pw - dw * (s - 1) - 1) < 0) {
                throw new IllegalArgumentException("conv geometry: empty output for input " + h + "x" + w + ", filter " + r + "x" + s + ", padding "
                        + ph + "x" + pw + ", dilation " + dh + "x" + dw);
            }
        }

        public int p() {
            return (h + 2 * ph - dh * (r - 1) - 1) / sh + 1;
        }

        public int q() {
            return (w + 2 * pw - dw * (s - 1) - 1) / sw + 1;
        }

        public int cg() {
            return c / groups;
        }

        public int kg() {
            return k / groups;
        }

        /** Multiply-adds of the forward pass (each pass has as many). */
        public long macs() {
            return (long) n * p() * q() * kg() * cg() * r * s * groups;
        }
    }

    static final String[] PASSES = {"fwd", "dgrad", "wgrad"};

    /** The tile shape each pass uses for a GEMM whose narrow side is {@code narrow} (N for fwd/dgrad, M for wgrad). */
    static String tile(String pass, int narrow) {
        if (narrow > 64) return "128x128";
        return pass.equals("wgrad") ? "64x128" : "128x64";
    }

    private static final java.util.Map<CudaDevice, ConvKernels> INSTANCES = new java.util.concurrent.ConcurrentHashMap<>();

    private final CudaDevice device;
    private final GemmKernels launcher;

    private ConvKernels(CudaDevice device) {
        this.device = device;
        this.launcher = GemmKernels.of(device);
    }

    public static ConvKernels of(CudaDevice device) {
        return INSTANCES.computeIfAbsent(device, ConvKernels::new);
    }

    static int[] params(Geometry g, int splits, int kchunk) {
        return new int[] {g.n(), g.h(), g.w(), g.c(), g.k(), g.r(), g.s(), g.p(), g.q(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw(),
            g.groups(), g.cg(), g.kg(), splits, kchunk};
    }

    private static void checkGrid(String what, long gx, long gy, long gz) {
        if (gx > Integer.MAX_VALUE || gy > GemmKernels.GRID_YZ || gz > GemmKernels.GRID_YZ) {
            throw new IllegalArgumentException(what + ": grid (" + gx + ", " + gy + ", " + gz + ") is too large");
        }
    }

    private static int tileM(String t) {
        return Integer.parseInt(t.substring(0, t.indexOf('x')));
    }

    private static int tileN(String t) {
        return Integer.parseInt(t.substring(t.indexOf('x') + 1));
    }

    private static int threads(String t) {
        return t.equals("128x128") ? 256 : 128;
    }

    // ---- NHWC kernels ------------------------------------------------------------------------------------

    /** y [n, p, q, k] = conv(x [n, h, w, c], wr [k, r, s, c/groups]), all NHWC / KRSC float32. */
    public void forwardNhwc(long y, long x, long wr, Geometry g, boolean tf32) {
        if (g.n() == 0) return;
        String t = tile("fwd", g.kg());
        long gx = Math.ceilDiv((long) g.n() * g.p() * g.q(), tileM(t)), gy = Math.ceilDiv(g.kg(), tileN(t));
        checkGrid("conv forward", gx, gy, g.groups());
        launcher.launch("conv_fwd_" + (tf32 ? "tf32_" : "f32_") + t, (int) gx, (int) gy, g.groups(), threads(t), 1, 0,
                KernelArgs.get().ptr(y).ptr(x).ptr(wr).ints(params(g, 1, 0)));
    }

    /** dx [n, h, w, c] = the input gradient from dy [n, p, q, k] and wr [k, r, s, c/groups] (NHWC / KRSC). */
    public void backwardDataNhwc(long dx, long dy, long wr, Geometry g, boolean tf32) {
        if (g.n() == 0) return;
        String t = tile("dgrad", g.cg());
        long gx = Math.ceilDiv((long) g.n() * g.h() * g.w(), tileM(t)), gy = Math.ceilDiv(g.cg(), tileN(t));
        checkGrid("conv backward-data", gx, gy, g.groups());
        launcher.launch("conv_dgrad_" + (tf32 ? "tf32_" : "f32_") + t, (int) gx, (int) gy, g.groups(), threads(t), 1, 0,
                KernelArgs.get().ptr(dx).ptr(dy).ptr(wr).ints(params(g, 1, 0)));
    }

    /** The split of the backward-weight reduction (N·P·Q) into {splits, chunk}: enough blocks for ~4 per SM. */
    static int[] wgradSplit(Geometry g, int sms) {
        String t = tile("wgrad", g.kg());
        long tiles = (long) Math.ceilDiv(g.kg(), tileM(t)) * Math.ceilDiv(g.r() * g.s() * g.cg(), tileN(t)) * g.groups();
        long npq = (long) g.n() * g.p() * g.q();
        long want = Math.max(1, Math.ceilDiv(4L * sms, tiles));
        want = Math.min(want, Math.max(1, npq / 512));                  // at least 512 reduction steps per split
        want = Math.min(want, Math.max(1, GemmKernels.GRID_YZ / g.groups()));
        long chunk = Math.ceilDiv(Math.ceilDiv(npq, want), 16) * 16;   // a multiple of the tile depth
        int splits = (int) Math.ceilDiv(npq, chunk);
        return new int[] {splits, (int) chunk};
    }

    /**
     * dwr [k, r, s, c/groups] = the filter gradient from x [n, h, w, c] and dy [n, p, q, k] (NHWC),
     * assigned. Splits the N·P·Q reduction over blocks and sums the partials in a fixed order.
     */
    public void backwardWeightNhwc(long dwr, long x, long dy, Geometry g, boolean tf32) {
        int rsc = g.r() * g.s() * g.cg();
        if (g.n() == 0) {
            device.memset(dwr, 0, 4L * g.k() * rsc);
            return;
        }
        int[] split = wgradSplit(g, device.multiprocessorCount());
        String t = tile("wgrad", g.kg());
        long gx = Math.ceilDiv(g.kg(), tileM(t)), gy = Math.ceilDiv(rsc, tileN(t));
        checkGrid("conv backward-weight", gx, gy, (long) g.groups() * split[0]);
        long total = (long) g.k() * rsc;
        DeviceBuffer ws = split[0] > 1 ? device.allocate(4L * total * split[0]) : null;
        try {
            launcher.launch("conv_wgrad_" + (tf32 ? "tf32_" : "f32_") + t, (int) gx, (int) gy, g.groups() * split[0], threads(t), 1, 0,
                    KernelArgs.get().ptr(ws == null ? dwr : ws.address()).ptr(x).ptr(dy).ints(params(g, split[0], split[1])));
            if (ws != null) {
                launcher.launch("splitk_sum_f32", CudaKernels.of(device).gridStrideBlocks(total), 1, 1, 256, 1, 0,
                        KernelArgs.get().ptr(dwr).ptr(ws.address()).i32((int) total).i32(split[0]));
            }
        } finally {
            if (ws != null) ws.close();
        }
    }

    /** out[b][c][r] = in[b][r][c] for b < batch (float32): NCHW ↔ NHWC, KCRS ↔ KRSC. */
    public void transpose(long out, long in, int batch, int rows, int cols) {
        if (batch == 0 || rows == 0 || cols == 0) return;
        checkGrid("transpose", Math.ceilDiv(cols, 32), Math.ceilDiv(rows, 32), 1);
        launcher.launch("transpose_f32", Math.ceilDiv(cols, 32), Math.ceilDiv(rows, 32), Math.min(batch, GemmKernels.GRID_YZ), 256, 1, 0,
                KernelArgs.get().ptr(out).ptr(in).i32(batch).i32(rows).i32(cols));
    }

    // ---- NCHW entry points ---------------------------------------------------------------------------------

    private DeviceBuffer floats(long n) {
        return device.allocate(4 * Math.max(1, n));
    }

    /** y [n, k, p, q] = conv(x [n, c, h, w], w [k, c/groups, r, s]), contiguous float32 NCHW. */
    public void forward(long y, long x, long w, Geometry g, boolean tf32) {
        int hw = g.h() * g.w(), pq = g.p() * g.q(), rs = g.r() * g.s();
        try (DeviceBuffer xh = floats((long) g.n() * hw * g.c()); DeviceBuffer wr = floats((long) g.k() * rs * g.cg());
             DeviceBuffer yh = floats((long) g.n() * pq * g.k())) {
            transpose(xh.address(), x, g.n(), g.c(), hw);
            transpose(wr.address(), w, g.k(), g.cg(), rs);
            forwardNhwc(yh.address(), xh.address(), wr.address(), g, tf32);
            transpose(y, yh.address(), g.n(), pq, g.k());
        }
    }

    /** dx [n, c, h, w] (assigned) from dy [n, k, p, q] and w [k, c/groups, r, s], NCHW. */
    public void backwardData(long dx, long dy, long w, Geometry g, boolean tf32) {
        int hw = g.h() * g.w(), pq = g.p() * g.q(), rs = g.r() * g.s();
        try (DeviceBuffer dyh = floats((long) g.n() * pq * g.k()); DeviceBuffer wr = floats((long) g.k() * rs * g.cg());
             DeviceBuffer dxh = floats((long) g.n() * hw * g.c())) {
            transpose(dyh.address(), dy, g.n(), g.k(), pq);
            transpose(wr.address(), w, g.k(), g.cg(), rs);
            backwardDataNhwc(dxh.address(), dyh.address(), wr.address(), g, tf32);
            transpose(dx, dxh.address(), g.n(), hw, g.c());
        }
    }

    /** dw [k, c/groups, r, s] (assigned) from x [n, c, h, w] and dy [n, k, p, q], NCHW. */
    public void backwardWeight(long dw, long x, long dy, Geometry g, boolean tf32) {
        int hw = g.h() * g.w(), pq = g.p() * g.q(), rs = g.r() * g.s();
        try (DeviceBuffer xh = floats((long) g.n() * hw * g.c()); DeviceBuffer dyh = floats((long) g.n() * pq * g.k());
             DeviceBuffer dwr = floats((long) g.k() * rs * g.cg())) {
            transpose(xh.address(), x, g.n(), g.c(), hw);
            transpose(dyh.address(), dy, g.n(), g.k(), pq);
            backwardWeightNhwc(dwr.address(), xh.address(), dyh.address(), g, tf32);
            transpose(dw, dwr.address(), g.k(), rs, g.cg());
        }
    }
}
