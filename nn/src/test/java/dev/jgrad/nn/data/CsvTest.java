package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV reader: headers, quoting, delimiters, line endings, and errors that name line, column and offset. */
class CsvTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void headerAndNumbers() throws IOException {
        Csv.Table t = Csv.read(file("a.csv", "x,y,label\n1,2.5,0\n-3, 4e-2 ,1\n"), true, ',');
        assertEquals(List.of("x", "y", "label"), t.header());
        assertEquals(2, t.rows().length);
        assertArrayEquals(new double[] {1, 2.5, 0}, t.rows()[0]);
        assertArrayEquals(new double[] {-3, 0.04, 1}, t.rows()[1], "cells are trimmed");
        Tensor xy = t.columns("x", "y");
        assertEquals(DType.FLOAT32, xy.dtype());
        assertArrayEquals(new int[] {2, 2}, xy.shape());
        assertArrayEquals(new float[] {1, 2.5f, -3, 0.04f}, xy.toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2.5f, 1, -3, 0.04f}, t.columns(2, 0, 1).toFloatArray());
        Tensor all = t.all();
        assertEquals(DType.FLOAT64, all.dtype());
        assertArrayEquals(new double[] {1, 2.5, 0, -3, 0.04, 1}, all.toDoubleArray());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> t.columns("z"));
        assertTrue(name.getMessage().contains("\"z\"") && name.getMessage().contains("[x, y, label]"), name.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.columns(3));
    }

    @Test
    void noHeaderOtherDelimiterNoFinalNewline() throws IOException {
        Csv.Table t = Csv.read(file("b.csv", "1;2\n3;4\n\n5;6"), false, ';');
        assertEquals(List.of("0", "1"), t.header());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, t.all().toDoubleArray(), "blank lines are skipped");
        Csv.Table tabs = Csv.read(file("c.tsv", "a\tb\r\n1\t-2\r\n"), true, '\t');
        assertEquals(List.of("a", "b"), tabs.header());
        assertArrayEquals(new double[] {1, -2}, tabs.rows()[0]);
    }

    @Test
    void textColumnsAreKeptAsStrings() throws IOException {
        Csv.Table t = Csv.read(file("w.csv", "date,temp,weather\n2012/01/01,12.8,drizzle\n2012/01/02,10.6,rain\n"), true, ',',
                java.util.Set.of("date", "weather"));
        assertEquals(List.of("2012/01/01", "2012/01/02"), t.text("date"));
        assertEquals(List.of("drizzle", "rain"), t.text("weather"));
        assertArrayEquals(new float[] {12.8f, 10.6f}, t.columns("temp").toFloatArray());
        assertTrue(Double.isNaN(t.rows()[0][0]), "text cells read as NaN in the numeric rows");
        assertThrows(IllegalArgumentException.class, () -> t.text("temp"));
        assertThrows(IllegalArgumentException.class, () -> Csv.read(file("w2.csv", "a\n1\n"), true, ',', java.util.Set.of("b")));
    }

    @Test
    void quotedFields() throws IOException {
        String text = "\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"1\",2,\" 3 \"\n,\"\",7\n";
        Csv.Table t = Csv.read(file("q.csv", text), true, ',');
        assertEquals(List.of("a, b", "say \"hi\"", "two\nlines"), t.header());
        assertArrayEquals(new double[] {1, 2, 3}, t.rows()[0]);
        assertTrue(Double.isNaN(t.rows()[1][0]) && Double.isNaN(t.rows()[1][1]), "empty cells are NaN");
        assertEquals(7, t.rows()[1][2]);
    }

    private static CorruptFileException corrupt(Path f, boolean header, long offset, String... fragments) {
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Csv.read(f, header, ','));
        assertEquals(f, e.file());
        assertEquals(offset, e.offset(), e.getMessage());
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "expected \"" + s + "\" in: " + e.getMessage());
        return e;
    }

    @Test
    void badNumberNamesLineAndColumn() throws IOException {
        corrupt(file("bad.csv", "x,y\n1,2\n3,abc\n"), true, 8, "line 3, column 2 (y)", "\"abc\" is not a number");
        corrupt(file("crlf.csv", "a,b\r\n1,2\r\n3,x\r\n"), true, 10, "line 3, column 2");
        corrupt(file("blank.csv", "a,b\n\n1,2\n\n3,q\n"), true, 10, "line 5, column 2");
        // a quoted newline in the header: the bad row is on line 4; é takes two bytes
        corrupt(file("multi.csv", "\"é\nx\",b\n1,2\n7,1.2.3\n"), true, 13, "line 4, column 2 (b)", "\"1.2.3\"");
        corrupt(file("first.csv", "1,2\nz,3\n"), false, 4, "line 2, column 1 (0)");
    }

    @Test
    void structuralErrors() throws IOException {
        corrupt(file("width.csv", "a,b\n1,2\n1,2,3\n"), true, 8, "line 3 has 3 fields where the first row has 2");
        corrupt(file("quote.csv", "a,b\n\"1,2\n3,4\n"), true, 4, "line 2: a quoted field is never closed");
        corrupt(file("empty.csv", ""), true, 0, "no rows");
        corrupt(file("blank-only.csv", "\n\n"), false, 0, "no rows");
        Csv.Table headerOnly = Csv.read(file("h.csv", "a,b\n"), true, ',');
        assertEquals(0, headerOnly.rows().length);
        assertArrayEquals(new int[] {0, 2}, headerOnly.all().shape());
    }

    @Test
    void bytesThatAreNotUtf8NameTheirOffsetAndLine() throws IOException {
        // Files.readString threw a bare MalformedInputException ("Input length = 1"), naming neither file nor place
        Path f = dir.resolve("latin1.csv");
        Files.write(f, "a,b\n1,2\n3,\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Csv.read(f, true, ','));
        assertEquals(10, e.offset());
        assertTrue(e.getMessage().contains("line 3: the bytes are not UTF-8 text (byte 0xe9)"), e.getMessage());
    }
}
