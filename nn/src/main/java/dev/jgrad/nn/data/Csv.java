package dev.jgrad.nn.data;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CSV files to tensors: RFC 4180 quoting, an optional header row, any one-character
 * delimiter. Cells are numbers, except in the columns named as text (dates, categories), which
 * are kept as strings; a non-numeric cell elsewhere is an error naming the file, line, column
 * and byte offset.
 *
 * <pre>{@code
 * Csv.Table t = Csv.read(Path.of("housing.csv"), true, ',');
 * Tensor x = t.columns(0, 1, 2), y = t.columns(3);
 * Csv.Table w = Csv.read(Path.of("weather.csv"), true, ',', Set.of("date", "weather"));
 * List<String> dates = w.text("date");
 * }</pre>
 */
public final class Csv {
    private Csv() {}

    /**
     * The parsed cells: the header (or "0", "1", …), one double per cell (NaN in text columns)
     * and the strings of the text columns by name.
     *
     * @param header      the column names
     * @param rows        the cells, row by row
     * @param textColumns the text columns' strings, by column name
     */
    public record Table(List<String> header, double[][] rows, Map<String, List<String>> textColumns) {
        /**
         * A table without text columns.
         *
         * @param header the column names
         * @param rows   the cells, row by row
         */
        public Table(List<String> header, double[][] rows) {
            this(header, rows, Map.of());
        }

        /**
         * {@return the strings of a column read as text}
         *
         * @param name the column's name
         */
        public List<String> text(String name) {
            List<String> t = textColumns.get(name);
            if (t == null) throw new IllegalArgumentException("Csv: \"" + name + "\" was not read as a text column; text columns are " + textColumns.keySet());
            return t;
        }

        /**
         * {@return the given columns, in that order, as a float32 [rows, columns] tensor}
         *
         * @param columns the column indices
         */
        public Tensor columns(int... columns) {
            float[] v = new float[rows.length * columns.length];
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < columns.length; c++) {
                    if (columns[c] < 0 || columns[c] >= header.size()) {
                        throw new IllegalArgumentException("Csv: column " + columns[c] + " does not exist; the table has " + header.size());
                    }
                    v[r * columns.length + c] = (float) rows[r][columns[c]];
                }
            }
            return Tensor.of(v, rows.length, columns.length);
        }

        /**
         * {@return the columns with these header names}
         *
         * @param names the column names
         */
        public Tensor columns(String... names) {
            int[] idx = new int[names.length];
            for (int i = 0; i < names.length; i++) {
                idx[i] = header.indexOf(names[i]);
                if (idx[i] < 0) throw new IllegalArgumentException("Csv: no column named \"" + names[i] + "\"; columns are " + header);
            }
            return columns(idx);
        }

        /** {@return every cell as a float64 [rows, columns] tensor} */
        public Tensor all() {
            double[] v = new double[rows.length * header.size()];
            for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, v, r * header.size(), header.size());
            return Tensor.of(v, rows.length, header.size()).to(DType.FLOAT64);
        }
    }

    /**
     * Reads a CSV file whose cells are all numbers.
     *
     * @param file      the file
     * @param hasHeader the first line names the columns
     * @param delimiter the cell separator, such as {@code ','}
     * @return the table
     * @throws java.io.IOException when the file cannot be read or is malformed
     */
    public static Table read(Path file, boolean hasHeader, char delimiter) throws IOException {
        return read(file, hasHeader, delimiter, Set.of());
    }

    /**
     * Reads a CSV file, keeping the columns named in {@code textColumns} as strings.
     *
     * @param file        the file
     * @param hasHeader   the first line names the columns
     * @param delimiter   the cell separator, such as {@code ','}
     * @param textColumns the names of the columns to keep as text
     * @return the table
     * @throws java.io.IOException when the file cannot be read or is malformed
     */
    public static Table read(Path file, boolean hasHeader, char delimiter, Set<String> textColumns) throws IOException {
        String text = utf8(file, Files.readAllBytes(file));
        List<List<String>> records = new ArrayList<>();
        List<long[]> positions = new ArrayList<>();  // per record: line number and byte offset of its start
        parse(file, text, delimiter, records, positions);
        if (records.isEmpty()) throw new CorruptFileException(file, 0, "the file has no rows");
        List<String> header;
        int first = 0;
        int width = records.get(0).size();
        if (hasHeader) {
            header = List.copyOf(records.get(0));
            first = 1;
        } else {
            header = new ArrayList<>();
            for (int i = 0; i < width; i++) header.add(Integer.toString(i));
        }
        for (String name : textColumns) {
            if (!header.contains(name)) throw new IllegalArgumentException("Csv: no column named \"" + name + "\" to read as text; columns are " + header);
        }
        Map<String, List<String>> strings = new LinkedHashMap<>();
        for (String name : textColumns) strings.put(name, new ArrayList<>());
        double[][] rows = new double[records.size() - first][];
        for (int r = first; r < records.size(); r++) {
            List<String> rec = records.get(r);
            long line = positions.get(r)[0], offset = positions.get(r)[1];
            if (rec.size() != width) {
                throw new CorruptFileException(file, offset, "line " + line + " has " + rec.size() + " fields where the first row has " + width);
            }
            double[] row = new double[width];
            for (int c = 0; c < width; c++) {
                String cell = rec.get(c).trim();
                List<String> textColumn = strings.get(header.get(c));
                if (textColumn != null) {
                    textColumn.add(cell);
                    row[c] = Double.NaN;
                    continue;
                }
                try {
                    row[c] = cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    throw new CorruptFileException(file, offset, "line " + line + ", column " + (c + 1) + " (" + header.get(c)
                            + "): \"" + cell + "\" is not a number (encode categories as numbers first)");
                }
            }
            rows[r - first] = row;
        }
        strings.replaceAll((k, v) -> List.copyOf(v));
        return new Table(header, rows, Map.copyOf(strings));
    }

    /** The file as text; a byte that is not UTF-8 is an error naming its offset and line (Files.readString says only "Input length = 1"). */
    private static String utf8(Path file, byte[] bytes) throws CorruptFileException {
        java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            int at = in.position(), line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new CorruptFileException(file, at, "line " + line + ": the bytes are not UTF-8 text (byte 0x"
                    + Integer.toHexString(bytes[at] & 0xFF) + ")");
        }
        return out.flip().toString();
    }

    private static void parse(Path file, String text, char delimiter, List<List<String>> records, List<long[]> positions) throws CorruptFileException {
        List<String> record = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false, any = false;
        long line = 1, recordLine = 1, recordStart = 0, bytePos = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            bytePos += utf8Length(ch);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') line++;
                    cell.append(ch);
                }
            } else if (ch == '"' && cell.isEmpty()) {
                quoted = true;
                any = true;
            } else if (ch == delimiter) {
                record.add(cell.toString());
                cell.setLength(0);
                any = true;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                    bytePos++;
                }
                if (any || !cell.isEmpty()) {
                    record.add(cell.toString());
                    records.add(record);
                    positions.add(new long[] {recordLine, recordStart});
                }
                record = new ArrayList<>();
                cell.setLength(0);
                any = false;
                line++;
                recordLine = line;
                recordStart = bytePos;
            } else {
                cell.append(ch);
                any = true;
            }
        }
        if (quoted) throw new CorruptFileException(file, recordStart, "line " + recordLine + ": a quoted field is never closed");
        if (any || !cell.isEmpty()) {
            record.add(cell.toString());
            records.add(record);
            positions.add(new long[] {recordLine, recordStart});
        }
    }

    /** Bytes this UTF-16 unit takes in UTF-8 (a surrogate pair's 4 bytes split 2 + 2). */
    private static int utf8Length(char ch) {
        if (ch < 0x80) return 1;
        if (ch < 0x800 || Character.isSurrogate(ch)) return 2;
        return 3;
    }
}
