package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Tables and JSON on stdout; notes on stderr (so that stdout stays what a script reads). */
public final class Output {

    /** {@code --output}: a table for people (the default) or the server's JSON for scripts. */
    public enum Format { table, json }

    private Output() {
    }

    public static PrintStream out() {
        return System.out;
    }

    public static void json(JsonNode node) {
        out().println(Json.pretty(node));
    }

    /** A note for the person at the terminal (stderr); control characters never get through. */
    public static void note(String text) {
        System.err.println(Text.safe(text));
    }

    /** A line on stdout (a value a script reads, or a heading); control characters never get through. */
    public static void line(String text) {
        out().println(Text.safe(text));
    }

    /** Columns padded to their widest cell; the header in capitals. */
    public static void table(List<String> headers, List<List<String>> rows) {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers.get(i).length();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < w.length && i < r.size(); i++) {
                w[i] = Math.max(w[i], cell(r.get(i)).length());
            }
        }
        out().println(line(headers, w));
        for (List<String> r : rows) {
            out().println(line(r, w));
        }
    }

    /** One object as "key  value" lines. */
    public static void fields(List<String[]> pairs) {
        fields(pairs, "");
    }

    public static void fields(List<String[]> pairs, String indent) {
        int w = 0;
        for (String[] p : pairs) {
            w = Math.max(w, p[0].length());
        }
        for (String[] p : pairs) {
            out().println(indent + pad(p[0], w) + "  " + cell(p[1]));
        }
    }

    /** Every member of a JSON object as fields (nested values as compact JSON). */
    public static List<String[]> fieldsOf(JsonNode o) {
        List<String[]> out = new ArrayList<>();
        if (o != null) {
            o.fields().forEachRemaining(e -> out.add(new String[] {e.getKey(), value(e.getValue())}));
        }
        return out;
    }

    public static String value(JsonNode v) {
        if (v == null || v.isNull()) {
            return "";
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(e.isValueNode() ? e.asText() : Json.compact(e)));
            return String.join(" ", parts);
        }
        return v.isValueNode() ? v.asText() : Json.compact(v);
    }

    private static String line(List<String> cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String c = i < cells.size() ? cell(cells.get(i)) : "";
            sb.append(i == w.length - 1 ? c : pad(c, w[i]) + "  ");
        }
        return sb.toString().stripTrailing();
    }

    private static String cell(String s) {
        return Text.clean(s);
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
