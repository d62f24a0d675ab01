package dev.jgrad.bench.jmh;

/**
 * The JVM flags every JMH fork needs, for {@code @Fork(jvmArgsAppend = …)}.
 *
 * <p>Passing {@code -jvmArgsAppend} on the JMH command line replaces these (the fork then fails
 * with {@code NoClassDefFoundError: jdk/incubator/vector/Vector}); add flags with
 * {@code -jvmArgsPrepend} instead, e.g. {@code -jvmArgsPrepend -Djgrad.threads=1}.
 */
final class Flags {
    private Flags() {}

    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
}
