package dev.forgeauth.auth.user;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** Emails as identifiers: trimmed, NFC, lower case; a plausible address or nothing. */
public final class Emails {

    private static final Pattern PLAUSIBLE = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[^@\\s.]{1,63}");

    private Emails() {
    }

    /** The normalised email, or null when it is not a plausible address. */
    public static String normalise(String raw) {
        if (raw == null) {
            return null;
        }
        String e = Normalizer.normalize(raw.strip(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        return e.length() <= 320 && PLAUSIBLE.matcher(e).matches() ? e : null;
    }
}
