package dev.forgeauth.cli.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON through Jackson's tree model only (no data binding, so no reflection: native-image needs no
 * configuration for it).
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static {
        MAPPER.getFactory().setCharacterEscapes(new TerminalSafeEscapes());
    }

    /**
     * JSON as {@code -o json} prints it: Jackson already writes C0 controls as {@code \\uXXXX}; this also
     * escapes DEL, the C1 controls (U+009B is a one-character CSI) and the bidirectional overrides, so
     * a server's string cannot drive the terminal while the document stays the same JSON for a script.
     */
    static final class TerminalSafeEscapes extends CharacterEscapes {
        private final int[] ascii;

        TerminalSafeEscapes() {
            ascii = CharacterEscapes.standardAsciiEscapesForJSON();
            ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            boolean unsafe = ch >= 0x80 && ch <= 0x9f || ch == 0x061c || ch == 0x200e || ch == 0x200f
                    || ch == 0x2028 || ch == 0x2029 || ch >= 0x202a && ch <= 0x202e || ch >= 0x2066 && ch <= 0x2069;
            return unsafe ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    private Json() {
    }

    /** The parsed document, or null when the text is not JSON. */
    public static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static String pretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String compact(JsonNode node) {
        try {
            return new ObjectMapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A text member, or null when absent, null or not text. */
    public static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    public static long number(JsonNode node, String field, long fallback) {
        if (node == null) {
            return fallback;
        }
        JsonNode v = node.get(field);
        return v != null && v.isNumber() ? v.asLong() : fallback;
    }

    /** A string array member as a list (a space-separated string also works); empty when absent. */
    public static List<String> strings(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            v.forEach(e -> out.add(e.asText()));
        } else if (v.isTextual() && !v.asText().isBlank()) {
            out.addAll(List.of(v.asText().trim().split("\\s+")));
        }
        return out;
    }
}
