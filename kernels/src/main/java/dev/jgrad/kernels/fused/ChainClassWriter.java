package dev.jgrad.kernels.fused;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import dev.jgrad.kernels.Simd;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Generates the class of one {@link ElementwiseChain} shape with {@code java.lang.classfile} and
 * defines it as a hidden class beside this one (same package: it calls the package's helpers).
 * Its {@code run} is the chain written out as straight-line code, as javac would compile it:
 *
 * <pre>{@code
 * float[] b0 = buffers[0]; int o0 = offsets[0]; ...   FloatVector s0 = broadcast(scalars[0]); ...
 * for (i = from; i < vectorEnd; i += LANES) {
 *     FloatVector v0 = ChainLanes.load(b0, o0 + i);
 *     FloatVector v1 = ChainLanes.mul(v0, ChainLanes.load(b1, o1 + i));   // each op in order
 *     ...
 *     ChainLanes.store(v3, b2, o2 + i);                                   // the stored values
 * }
 * for (; i < to; i++) { the same with ChainScalars and float locals }
 * }</pre>
 *
 * C2 inlines the one-line helpers, so the vectors live in registers, and the loop is the one a
 * hand-written kernel for this chain would have. Without the Vector API only the scalar loop is
 * generated (and the vector range is empty).
 */
final class ChainClassWriter {
    private static final ClassDesc CD_FLOAT_VECTOR = ClassDesc.of("jdk.incubator.vector.FloatVector");
    private static final ClassDesc CD_LANES = ClassDesc.of(ChainLanes.class.getName());
    private static final ClassDesc CD_SCALARS = ClassDesc.of(ChainScalars.class.getName());
    private static final ClassDesc CD_KERNEL = ClassDesc.of(ChainKernel.class.getName());
    private static final ClassDesc CD_FLOATS = CD_float.arrayType();
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(CD_void, CD_FLOATS.arrayType(), CD_int.arrayType(), CD_FLOATS, CD_int, CD_int, CD_int);
    private static final int BUFFERS = 1, OFFSETS = 2, SCALARS = 3, FROM = 4, VECTOR_END = 5, TO = 6;

    private ChainClassWriter() {}

    /** A new instance of a hidden class generated for {@code chain}. */
    static ChainKernel define(ElementwiseChain chain) {
        boolean vector = Simd.enabled();
        int lanes = vector ? ChainLanes.lanes() : 1;
        byte[] bytes = ClassFile.of().build(ClassDesc.of(ChainClassWriter.class.getPackageName() + ".GeneratedChain"), cb -> {
            cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withSuperclass(CD_Object);
            cb.withInterfaceSymbols(CD_KERNEL);
            cb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            cb.withMethodBody("run", RUN, ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, code -> body(code, chain, vector, lanes));
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (ChainKernel) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fused chain " + chain.describe() + ": defining its class failed", t);
        }
    }

    /** Pushes buffer b and the index of element i in it: off + i, or off + i % period for a row operand. */
    private static void index(CodeBuilder code, int[] buf, int[] off, int b, int i, int period) {
        code.aload(buf[b]).iload(off[b]).iload(i);
        if (period > 0) code.loadConstant(period).irem();
        code.iadd();
    }

    private static void body(CodeBuilder code, ElementwiseChain c, boolean vector, int lanes) {
        int nb = c.buffers, ns = c.scalars, nv = c.kind.length;
        int[] buf = new int[nb], off = new int[nb], sf = new int[ns], sv = new int[ns];
        for (int k = 0; k < nb; k++) {
            buf[k] = code.allocateLocal(TypeKind.REFERENCE);
            off[k] = code.allocateLocal(TypeKind.INT);
            code.aload(BUFFERS).loadConstant(k).aaload().astore(buf[k]);
            code.aload(OFFSETS).loadConstant(k).iaload().istore(off[k]);
        }
        for (int k = 0; k < ns; k++) {
            sf[k] = code.allocateLocal(TypeKind.FLOAT);
            code.aload(SCALARS).loadConstant(k).faload().fstore(sf[k]);
            if (vector) {
                sv[k] = code.allocateLocal(TypeKind.REFERENCE);
                code.fload(sf[k]).invokestatic(CD_LANES, "broadcast", MethodTypeDesc.of(CD_FLOAT_VECTOR, CD_float)).astore(sv[k]);
            }
        }
        int i = code.allocateLocal(TypeKind.INT);
        code.iload(FROM).istore(i);
        if (vector) {
            int[] v = new int[nv];
            for (int x = 0; x < nv; x++) v[x] = c.kind[x] == ElementwiseChain.SCALAR ? sv[c.what[x]] : code.allocateLocal(TypeKind.REFERENCE);
            Label head = code.newLabel(), done = code.newLabel();
            code.labelBinding(head);
            code.iload(i).iload(VECTOR_END).if_icmpge(done);
            for (int x = 0; x < nv; x++) {
                switch (c.kind[x]) {
                    case ElementwiseChain.LOAD -> {
                        index(code, buf, off, c.what[x], i, c.argA[x]);
                        code.invokestatic(CD_LANES, "load", MethodTypeDesc.of(CD_FLOAT_VECTOR, CD_FLOATS, CD_int)).astore(v[x]);
                    }
                    case ElementwiseChain.OP -> {
                        ElementwiseChain.Op op = ElementwiseChain.Op.values()[c.what[x]];
                        code.aload(v[c.argA[x]]);
                        if (op.arity() == 2) code.aload(v[c.argB[x]]);
                        MethodTypeDesc t = op.arity() == 2 ? MethodTypeDesc.of(CD_FLOAT_VECTOR, CD_FLOAT_VECTOR, CD_FLOAT_VECTOR)
                                : MethodTypeDesc.of(CD_FLOAT_VECTOR, CD_FLOAT_VECTOR);
                        code.invokestatic(CD_LANES, op.method(), t).astore(v[x]);
                    }
                    default -> { }   // a scalar: its broadcast local
                }
            }
            for (int k = 0; k < c.storeValue.length; k++) {
                int b = c.storeBuffer[k];
                code.aload(v[c.storeValue[k]]).aload(buf[b]).iload(off[b]).iload(i).iadd()
                        .invokestatic(CD_LANES, "store", MethodTypeDesc.of(CD_void, CD_FLOAT_VECTOR, CD_FLOATS, CD_int));
            }
            code.iinc(i, lanes).goto_(head);
            code.labelBinding(done);
        }
        int[] f = new int[nv];
        for (int x = 0; x < nv; x++) f[x] = c.kind[x] == ElementwiseChain.SCALAR ? sf[c.what[x]] : code.allocateLocal(TypeKind.FLOAT);
        Label head = code.newLabel(), done = code.newLabel();
        code.labelBinding(head);
        code.iload(i).iload(TO).if_icmpge(done);
        for (int x = 0; x < nv; x++) {
            switch (c.kind[x]) {
                case ElementwiseChain.LOAD -> {
                    index(code, buf, off, c.what[x], i, c.argA[x]);
                    code.faload().fstore(f[x]);
                }
                case ElementwiseChain.OP -> {
                    ElementwiseChain.Op op = ElementwiseChain.Op.values()[c.what[x]];
                    code.fload(f[c.argA[x]]);
                    if (op.arity() == 2) code.fload(f[c.argB[x]]);
                    MethodTypeDesc t = op.arity() == 2 ? MethodTypeDesc.of(CD_float, CD_float, CD_float) : MethodTypeDesc.of(CD_float, CD_float);
                    code.invokestatic(CD_SCALARS, op.method(), t).fstore(f[x]);
                }
                default -> { }
            }
        }
        for (int k = 0; k < c.storeValue.length; k++) {
            int b = c.storeBuffer[k];
            code.aload(buf[b]).iload(off[b]).iload(i).iadd().fload(f[c.storeValue[k]]).fastore();
        }
        code.iinc(i, 1).goto_(head);
        code.labelBinding(done);
        code.return_();
    }
}
