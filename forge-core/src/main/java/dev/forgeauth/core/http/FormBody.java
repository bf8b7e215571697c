package dev.forgeauth.core.http;

import dev.forgeauth.core.error.OAuthException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses an {@code application/x-www-form-urlencoded} body the way RFC 6749 asks: every parameter at
 * most once (§3.1, §3.2), and a parameter without a value treated as omitted (§3.1).
 */
public final class FormBody {

    static final int MAX_PARAMETERS = 32;

    private FormBody() {
    }

    public static void requireFormContentType(String contentType) {
        if (contentType == null) {
            throw OAuthException.invalidRequest("Content-Type must be application/x-www-form-urlencoded");
        }
        String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!base.equals("application/x-www-form-urlencoded")) {
            throw OAuthException.invalidRequest("Content-Type must be application/x-www-form-urlencoded");
        }
    }

    public static Map<String, String> parse(String body) {
        Map<String, String> out = new HashMap<>();
        if (body == null || body.isEmpty()) {
            return out;
        }
        String[] pairs = body.split("&", -1);
        if (pairs.length > MAX_PARAMETERS) {
            throw OAuthException.invalidRequest("Too many parameters");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String pair : pairs) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (!seen.add(name)) {
                throw OAuthException.invalidRequest("Parameter '" + printable(name) + "' is repeated");
            }
            if (!value.isEmpty()) {
                out.put(name, value);
            }
        }
        return out;
    }

    private static String decode(String s) {
        try {
            String d = URLDecoder.decode(s, StandardCharsets.UTF_8);
            if (d.indexOf('\uFFFD') >= 0 || d.indexOf('\0') >= 0) {
                throw OAuthException.invalidRequest("The request body is not valid UTF-8 form encoding");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidRequest("The request body is not valid form encoding");
        }
    }

    public static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
