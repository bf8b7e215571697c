package dev.forgeauth.auth.client;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Scope strings: space-delimited tokens of the characters RFC 6749 allows.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-3.3">RFC 6749 §3.3</a>
 */
public final class Scopes {

    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}");
    public static final int MAX_SCOPES = 64;

    private Scopes() {
    }

    /** Parses a stored (already valid) scope string, keeping order, dropping duplicates. */
    public static Set<String> parse(String scope) {
        if (scope == null || scope.isBlank()) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : scope.trim().split(" +")) {
            out.add(s);
        }
        return Collections.unmodifiableSet(out);
    }

    /** Parses client input; answers null when the string is not a valid scope list. */
    public static Set<String> parseStrict(String scope) {
        if (scope == null) {
            return null;
        }
        if (scope.isEmpty()) {
            return Set.of();
        }
        String[] parts = scope.split(" ", -1);
        if (parts.length > MAX_SCOPES) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : parts) {
            if (!SCOPE_TOKEN.matcher(s).matches()) {
                return null;
            }
            out.add(s);
        }
        return Collections.unmodifiableSet(out);
    }

    public static String join(Set<String> scopes) {
        return String.join(" ", scopes);
    }
}
