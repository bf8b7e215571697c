package dev.forgeauth.core.error;

/**
 * Writes the contract's error body. Hand-written rather than through Jackson so that the same bytes
 * can be sent from raw Vert.x handlers (limits, gateway) where no object mapper is in reach.
 */
public final class ErrorBody {

    private ErrorBody() {
    }

    public static String json(String error, String description) {
        StringBuilder sb = new StringBuilder(64 + description.length());
        sb.append("{\"error\":\"");
        escape(sb, error);
        sb.append("\",\"error_description\":\"");
        escape(sb, description);
        return sb.append("\"}").toString();
    }

    static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }
}
