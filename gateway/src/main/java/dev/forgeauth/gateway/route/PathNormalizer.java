package dev.forgeauth.gateway.route;

/**
 * Normalises a request path once, so that the route match, the scope check and the upstream all see the
 * same path. Follows RFC 3986 §6.2.2: percent-encoded unreserved characters are decoded ({@code %2e} is
 * a dot), hex digits upper-cased, empty segments collapsed and dot segments removed (§5.2.4). What cannot
 * be normalised safely is refused: an encoded slash or backslash ({@code %2f}, {@code %5c}), a raw
 * backslash, NUL or control characters, broken escapes, dot segments that climb above the root, and dot
 * segments with parameters ({@code ..;}, {@code %2e%2e;x}, {@code .;}): Tomcat, Jetty and Spring drop
 * the {@code ;} part before resolving dots, so {@code /a/..;/b} is {@code /b} to them but a segment
 * named {@code ..;} to RFC 3986. Whether other {@code ;} parameters may pass is the route's choice
 * ({@link Route#matrixParameters()}).
 */
public final class PathNormalizer {

    /** The path cannot be normalised safely; answer 400. */
    public static final class BadPathException extends Exception {
        public BadPathException(String message) {
            super(message, null, false, false);
        }
    }

    private static final int MAX_LENGTH = 4096;

    private PathNormalizer() {
    }

    public static String normalize(String raw) throws BadPathException {
        if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
            throw new BadPathException("path must start with /");
        }
        if (raw.length() > MAX_LENGTH) {
            throw new BadPathException("path too long");
        }
        String decoded = decodeUnreserved(raw);
        // split on '/', dropping empty segments (collapses '//'), resolving '.' and '..'
        String[] parts = decoded.split("/", -1);
        String[] out = new String[parts.length];
        int n = 0;
        for (String p : parts) {
            int semi = p.indexOf(';');
            if (semi >= 0 && (semi == 1 && p.charAt(0) == '.' || semi == 2 && p.startsWith(".."))) {
                throw new BadPathException("a dot segment with parameters (..;)");
            }
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (n == 0) {
                    throw new BadPathException("path climbs above the root");
                }
                n--;
                continue;
            }
            out[n++] = p;
        }
        StringBuilder sb = new StringBuilder(decoded.length());
        for (int i = 0; i < n; i++) {
            sb.append('/').append(out[i]);
        }
        boolean trailing = decoded.endsWith("/") || decoded.endsWith("/.") || decoded.endsWith("/..");
        if (sb.length() == 0) {
            return "/";
        }
        if (trailing) {
            sb.append('/');
        }
        return sb.toString();
    }

    private static String decodeUnreserved(String raw) throws BadPathException {
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new BadPathException("broken percent-encoding");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadPathException("broken percent-encoding");
                }
                char d = (char) (hi * 16 + lo);
                if (d == '/' || d == '\\') {
                    throw new BadPathException("encoded slash or backslash");
                }
                if (d < 0x20 || d == 0x7f) {
                    throw new BadPathException("encoded control character");
                }
                if (isUnreserved(d)) {
                    sb.append(d);
                } else {
                    sb.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
                            .append(Character.toUpperCase(raw.charAt(i + 2)));
                }
                i += 2;
            } else if (c == '\\' || c < 0x21 || c == 0x7f) {
                throw new BadPathException("backslash, space or control character in path");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isUnreserved(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~';
    }
}
