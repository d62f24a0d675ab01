package dev.jgrad.cuda;

/**
 * A failed CUDA driver or cuBLAS call: names the call, the library's error name and its
 * description, e.g. {@code cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)}.
 *
 * <pre>{@code
 * try { y = x.matmul(w); }   // a tensor op on a GPU
 * catch (CudaException e) { System.err.println(e.call() + " -> " + e.errorName()); }
 * }</pre>
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The C function that failed. */
    private final String call;
    /** The numeric CUresult or cublasStatus_t. */
    private final int code;
    /** The symbolic error name. */
    private final String errorName;

    /**
     * A failed call, with the message built from its parts.
     *
     * @param call        the C function that failed, e.g. {@code cuLaunchKernel}
     * @param code        the numeric CUresult or cublasStatus_t
     * @param errorName   the symbolic error, e.g. {@code CUDA_ERROR_INVALID_VALUE}; null or empty shows the
     *                    code
     * @param description the library's description of the error
     */
    public CudaException(String call, int code, String errorName, String description) {
        this(call, code, errorName, description, null);
    }

    /**
     * A failed call, with the message built from its parts and a detail appended.
     *
     * @param call        the C function that failed, e.g. {@code cuLaunchKernel}
     * @param code        the numeric CUresult or cublasStatus_t
     * @param errorName   the symbolic error, e.g. {@code CUDA_ERROR_INVALID_VALUE}; null or empty shows the
     *                    code
     * @param description the library's description of the error
     * @param detail      more about the failure, appended after a colon; null or empty for none
     */
    public CudaException(String call, int code, String errorName, String description, String detail) {
        super(format(call, code, errorName, description, detail));
        this.call = call;
        this.code = code;
        this.errorName = errorName;
    }

    /**
     * Used by subclasses that write their own message.
     *
     * @param message   the whole message
     * @param call      the C function that failed
     * @param code      the numeric CUresult or cublasStatus_t
     * @param errorName the symbolic error
     */
    protected CudaException(String message, String call, int code, String errorName) {
        super(message);
        this.call = call;
        this.code = code;
        this.errorName = errorName;
    }

    /** The message text: {@code call failed: NAME (description)[: detail]}; unknown names show the numeric code. */
    static String format(String call, int code, String errorName, String description, String detail) {
        String name = errorName == null || errorName.isEmpty() ? "error " + code : errorName;
        StringBuilder sb = new StringBuilder(call).append(" failed: ").append(name);
        if (description != null && !description.isEmpty() && !description.equals(name)) sb.append(" (").append(description).append(')');
        if (detail != null && !detail.isEmpty()) sb.append(": ").append(detail);
        return sb.toString();
    }

    /** {@return the C function that failed, e.g. {@code cuLaunchKernel}} */
    public String call() {
        return call;
    }

    /** {@return the numeric CUresult or cublasStatus_t} */
    public int code() {
        return code;
    }

    /** {@return the symbolic error, e.g. {@code CUDA_ERROR_INVALID_VALUE}} */
    public String errorName() {
        return errorName;
    }
}
