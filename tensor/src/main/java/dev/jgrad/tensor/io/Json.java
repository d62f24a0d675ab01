package dev.jgrad.tensor.io;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A small JSON reader and writer for file headers. Objects become {@code LinkedHashMap}s,
 * arrays {@code List}s, integral numbers {@code Long}s, other numbers {@code Double}s.
 * Malformed input is reported with the character position, nesting is limited, so no input
 * can exhaust the stack.
 *
 * <pre>{@code
 * Map<String, Object> m = Json.parseObject("{\"a\": [1, 2.5]}");
 * }</pre>
 */
public final class Json {
    private static final int MAX_DEPTH = 64;

    private final CharSequence text;
    private int pos;
    /** Values (and object keys) the current top-level member may still hold; see {@link #forEachMember}. */
    private long valuesLeft = Long.MAX_VALUE;
    private String memberKey;
    private long memberLimit;

    private Json(CharSequence text) {
        this.text = text;
    }

    /** A malformed document; {@link #position()} is the character index of the problem. */
    public static final class ParseException extends IllegalArgumentException {
        /** Character index of the problem. */
        private final int position;
        /** Whether a limit was exceeded rather than the syntax broken. */
        private final boolean overLimit;

        ParseException(int position, String problem) {
            this(position, problem, false);
        }

        ParseException(int position, String problem, boolean overLimit) {
            super((overLimit ? "JSON over a limit at character " : "invalid JSON at character ") + position + ": " + problem);
            this.position = position;
            this.overLimit = overLimit;
        }

        /**
         * Character index of the problem.
         *
         * @return character index of the problem
         */
        public int position() {
            return position;
        }

        /**
         * {@return true when the text was refused for holding more than a limit allows (see {@link
         * #forEachMember}), not for its syntax}
         */
        public boolean overLimit() {
            return overLimit;
        }
    }

    /**
     * Parses any JSON value.
     *
     * @param text the JSON text
     * @return maps, lists, strings, numbers (Long or Double), booleans or null
     */
    public static Object parse(String text) {
        Json p = new Json(text);
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("unexpected text after the value");
        return v;
    }

    /**
     * Parses a JSON object.
     *
     * @param text the JSON text
     * @return the object's members, in document order
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new ParseException(0, "expected an object");
        return (Map<String, Object>) v;
    }

    /**
     * Takes the members of an object one at a time; see {@link #forEachMember}.
     *
     * @param <X> the exception the visitor may throw
     */
    @FunctionalInterface
    public interface MemberVisitor<X extends Exception> {
        /**
         * One member: its key and its value (maps, lists, strings, numbers, booleans or null).
         *
         * @param key   the member's key
         * @param value the member's value
         * @throws X when the visitor wants parsing to stop
         */
        void member(String key, Object value) throws X;
    }

    /**
     * Parses a JSON object member by member: each member's value is handed to {@code visitor} as soon as it is
     * parsed and is garbage once the visitor lets go of it, so an object with a million members never exists as
     * one tree. {@code maxValues} gives, for each key, how many values (counting nested values and object keys)
     * its value may hold; a value holding more is a {@link ParseException} at the value that went over, before
     * it is built. Duplicate keys and malformed text are refused as by {@link #parseObject}; an exception thrown
     * by the visitor stops parsing. The text may be any {@code CharSequence}, such as a view of a mapped file, so
     * that it need not be copied into a {@code String} first.
     *
     * <pre>{@code
     * Json.forEachMember("{\"a\": 1, \"b\": [2, 3]}", key -> 16, (key, value) -> System.out.println(key + " = " + value));
     * }</pre>
     *
     * @param text      the JSON text of an object
     * @param maxValues for each key, how many values its value may hold
     * @param visitor   receives each member as it is parsed
     * @param <X>       the exception the visitor may throw
     * @throws X when the visitor throws it
     */
    public static <X extends Exception> void forEachMember(CharSequence text, ToLongFunction<String> maxValues,
                                                           MemberVisitor<X> visitor) throws X {
        Json p = new Json(text);
        p.skipSpace();
        if (p.pos >= text.length()) throw p.error("unexpected end of input");
        if (text.charAt(p.pos) != '{') throw p.error("expected an object");
        Set<String> seen = new HashSet<>();
        p.members(0, key -> !seen.add(key), (key, valueParser) -> {
            p.memberKey = key;
            p.memberLimit = maxValues.applyAsLong(key);
            p.valuesLeft = p.memberLimit;
            Object value = valueParser.get();
            p.valuesLeft = Long.MAX_VALUE;
            visitor.member(key, value);
        });
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("unexpected text after the value");
    }

    /** One member of an object being parsed: its key, and the parser of its value (called exactly once). */
    @FunctionalInterface
    private interface MemberParser<X extends Exception> {
        void member(String key, Supplier<Object> valueParser) throws X;
    }

    /** Counts one value (or key) against the current member's limit. */
    private void countValue() {
        if (--valuesLeft < 0) throw new ParseException(pos, "the value of \"" + abbreviate(memberKey) + "\" holds more than " + memberLimit + " JSON values", true);
    }

    private ParseException error(String problem) {
        return new ParseException(pos, problem);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
        skipSpace();
        countValue();
        if (pos >= text.length()) throw error("unexpected end of input");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        for (int k = 0; k < word.length(); k++) {
            if (pos + k >= text.length() || text.charAt(pos + k) != word.charAt(k)) throw error("expected " + word);
        }
        pos += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        members(depth, m::containsKey, (key, valueParser) -> m.put(key, valueParser.get()));
        return m;
    }

    /** The members of the object starting at {@code pos}, each handed to {@code each}; {@code duplicate} says whether a key was seen. */
    private <X extends Exception> void members(int depth, Predicate<String> duplicate, MemberParser<X> each) throws X {
        pos++;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return;
        }
        while (true) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) != '"') throw error("expected a string key");
            countValue();
            String key = string();
            if (duplicate.test(key)) throw error("duplicate key \"" + key + "\"");
            skipSpace();
            expect(':');
            each.member(key, () -> value(depth + 1));
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect('}');
            return;
        }
    }

    private List<Object> array(int depth) {
        List<Object> list = new ArrayList<>();
        pos++;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value(depth + 1));
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private void expect(char c) {
        if (pos >= text.length() || text.charAt(pos) != c) throw error("expected '" + c + "'");
        pos++;
    }

    private String string() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw error("control character in string");
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) throw error("unterminated escape");
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) throw error("truncated \\u escape");
                    int code = 0;
                    for (int k = 0; k < 4; k++) {
                        int digit = Character.digit(text.charAt(pos + k), 16);   // not parseInt, which takes "+12f" and "-001"
                        if (digit < 0 || text.charAt(pos + k) > 'f') throw error("invalid \\u escape");
                        code = code * 16 + digit;
                    }
                    sb.append((char) code);
                    pos += 4;
                }
                default -> throw error("invalid escape '\\" + e + "'");
            }
        }
    }

    private Object number() {
        int start = pos;
        if (text.charAt(pos) == '-') pos++;
        boolean integral = true;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c >= '0' && c <= '9') pos++;
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                pos++;
            } else break;
        }
        String s = text.subSequence(start, pos).toString();
        try {
            if (integral) return Long.parseLong(s);
            return Double.parseDouble(s);
        } catch (NumberFormatException ex) {
            pos = start;
            boolean digits = s.matches("-?\\d+");
            throw error((digits ? "integer '" + abbreviate(s) + "' is outside the 64-bit range" : "invalid number '" + abbreviate(s) + "'"));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 20) + "…(" + s.length() + " characters)";
    }

    /**
     * Writes maps, lists, strings, numbers, booleans and null as compact JSON.
     *
     * @param v the value
     * @return the JSON text
     */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb);
        return sb.toString();
    }

    private static void write(Object v, StringBuilder sb) {
        switch (v) {
            case null -> sb.append("null");
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    writeString(String.valueOf(e.getKey()), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(l.get(i), sb);
                }
                sb.append(']');
            }
            case String s -> writeString(s, sb);
            case Double d when d.isNaN() || d.isInfinite() -> throw new IllegalArgumentException("JSON cannot hold " + d);
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
