package dev.jgrad.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small JSON reader/writer: values, round trips and positioned errors. */
class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Map<String, Object> m = Json.parseObject(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": {\"c\": \"x\\ty\"}, \"d\": []} ");
        assertEquals(Arrays.asList(1L, -2.5, 300.0, true, false, null), m.get("a"));
        assertEquals(Map.of("c", "x\ty"), m.get("b"));
        assertEquals(List.of(), m.get("d"));
        assertEquals(List.of("a", "b", "d"), List.copyOf(m.keySet()), "insertion order kept");
    }

    @Test
    void numbers() {
        assertEquals(Long.MAX_VALUE, Json.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(1.5e-7, Json.parse("1.5E-7"));
        assertEquals(0L, Json.parse("0"));
    }

    @Test
    void stringEscapes() {
        assertEquals("\"\\/\b\f\n\r\t\u00e9\u20ac", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\""));
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("héllo", Json.parse("\"héllo\""));
    }

    @Test
    void writeIsCompact() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001");
        m.put("n", List.of(1L, 2.5, -3));
        m.put("b", true);
        m.put("z", null);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":[1,2.5,-3],\"b\":true,\"z\":null}", Json.write(m));
    }

    @Test
    void roundTrip() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("dtype", "F32");
        inner.put("shape", List.of(2L, 3L));
        inner.put("data_offsets", List.of(0L, 24L));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("__metadata__", Map.of("format", "pt"));
        m.put("weight", inner);
        m.put("weird key \u0007\t\"", Arrays.asList(0.1, -1e-300, 1.7976931348623157E308, null, false, "\u2603", new ArrayList<>()));
        String text = Json.write(m);
        Object back = Json.parse(text);
        assertEquals(m, back);
        assertEquals(text, Json.write(back));
    }

    @Test
    void writeRejectsNonFiniteNumbersAndUnknownTypes() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }

    @ParameterizedTest(name = "{0} → error at {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"a\": }                | 6  | unexpected character '}'",
        "{\"a\" 1}                | 5  | expected ':'",
        "{\"a\": 1,}              | 8  | expected a string key",
        "[1, 2                   | 5  | expected ']'",
        "[1,]                    | 3  | unexpected character ']'",
        "\"abc                    | 4  | unterminated string",
        "\"a\\qb\"                 | 4  | invalid escape '\\q'",
        "\"\\u12G4\"               | 3  | invalid \\u escape",
        "tru                     | 0  | expected true",
        "1 2                     | 2  | unexpected text after the value",
        "--1                     | 0  | invalid number '--1'",
        "{\"a\": 1, \"a\": 2}       | 12 | duplicate key \"a\"",
        "``                      | 0  | unexpected end of input",
    })
    void errorsNameThePosition(String text, int position, String problem) {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(text));
        assertEquals(position, e.position(), e.getMessage());
        assertEquals("invalid JSON at character " + position + ": " + problem, e.getMessage());
    }

    @Test
    void controlCharacterInAString() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("\"a\nb\""));
        assertTrue(e.getMessage().contains("control character"));
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nested deeper than 64 levels"), e.getMessage());
        assertEquals(List.of(List.of()), Json.parse("[[]]"));
    }

    @Test
    void parseObjectRejectsOtherValues() {
        assertThrows(Json.ParseException.class, () -> Json.parseObject("[]"));
    }

    @Test
    void unicodeEscapesTakeExactlyFourHexDigits() {
        // Integer.parseInt accepted a sign: "\\u+041" was read as 'A' and "\\u-001" as U+FFFF
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("\"\\u+041\""));
        assertTrue(e.getMessage().contains("invalid \\u escape"), e.getMessage());
        assertThrows(Json.ParseException.class, () -> Json.parse("\"\\u-001\""));
        assertThrows(Json.ParseException.class, () -> Json.parse("\"\\u\uFF10\uFF10\uFF14\uFF11\""));   // full-width digits
        assertEquals("A", Json.parse("\"\\u0041\""));
    }

    @Test
    void integersOutsideTheLongRangeSaySo() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("[9223372036854775808]"));
        assertTrue(e.getMessage().contains("integer '9223372036854775808' is outside the 64-bit range"), e.getMessage());
        Json.ParseException longOne = assertThrows(Json.ParseException.class, () -> Json.parse("9".repeat(5000)));
        assertTrue(longOne.getMessage().contains("(5000 characters)"), "abbreviated: " + longOne.getMessage().length());
    }

    @Test
    void forEachMemberHandsOverOneMemberAtATime() {
        List<String> seen = new ArrayList<>();
        Json.forEachMember(" {\"a\": [1, {\"b\": null}], \"c\": \"x\", \"d\": {}} ", key -> 100, (key, value) -> seen.add(key + "=" + value));
        assertEquals(List.of("a=[1, {b=null}]", "c=x", "d={}"), seen);
        Json.forEachMember("{}", key -> 0, (key, value) -> seen.add(key));
        assertEquals(3, seen.size());
        // any CharSequence: the text need not be copied into a String first
        Json.forEachMember(new StringBuilder("{\"e\": true}"), key -> 1, (key, value) -> seen.add(key + "=" + value));
        assertEquals("e=true", seen.get(3));
    }

    @ParameterizedTest(name = "{0} → error at {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "[1, 2]                  | 0  | expected an object",
        "`  `                    | 2  | unexpected end of input",
        "{\"a\": 1, \"a\": 2}       | 12 | duplicate key \"a\"",
        "{\"a\": 1} x              | 9  | unexpected text after the value",
        "{\"a\": [1, }            | 10 | unexpected character '}'",
    })
    void forEachMemberRefusesWhatParseObjectRefuses(String text, int position, String problem) {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.forEachMember(text, key -> 100, (key, value) -> {}));
        assertEquals("invalid JSON at character " + position + ": " + problem, e.getMessage());
    }

    @Test
    void forEachMemberLimitsTheValuesInEachMember() {
        // [1, [2, 3]] holds 5 values (two arrays, three numbers); {"k": 1} holds 3 (the object, its key, the number)
        List<String> seen = new ArrayList<>();
        Json.forEachMember("{\"a\": [1, [2, 3]], \"b\": {\"k\": 1}}", key -> key.equals("a") ? 5 : 3, (key, value) -> seen.add(key));
        assertEquals(List.of("a", "b"), seen);
        Json.ParseException e = assertThrows(Json.ParseException.class,
                () -> Json.forEachMember("{\"a\": [1, [2, 3]]}", key -> 4, (key, value) -> seen.add("never")));
        assertEquals("JSON over a limit at character 14: the value of \"a\" holds more than 4 JSON values", e.getMessage());
        assertTrue(e.overLimit());
        assertEquals(2, seen.size(), "a member over its limit is never handed over");
        Json.ParseException key = assertThrows(Json.ParseException.class,
                () -> Json.forEachMember("{\"b\": {\"k\": 1}}", k -> 1, (k, value) -> {}));
        assertEquals(7, key.position(), "the key that went over");
        assertFalse(assertThrows(Json.ParseException.class, () -> Json.parse("[")).overLimit(), "syntax errors are not limits");
    }
}
