package dev.forgeauth.cli.support;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/** Small text helpers: one-line messages, times for people. */
public final class Text {

    private Text() {
    }

    /**
     * What a terminal could act on: C0 controls and DEL (ESC starts ANSI/OSC sequences), C1 controls
     * (U+009B is a one-character CSI on many terminals), line/paragraph separators and the bidirectional
     * overrides and isolates that make text display in another order than it is (CVE-2021-42574).
     */
    private static final Pattern UNSAFE = Pattern.compile(
            "[\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+");
    private static final Pattern UNSAFE_KEEP_LINES = Pattern.compile(
            "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+");

    /** Control characters (newlines, escapes a server might send) become spaces; long text is cut. */
    public static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String t = UNSAFE.matcher(s).replaceAll(" ").trim();
        return t.length() > 500 ? t.substring(0, 500) + "…" : t;
    }

    /** Control characters become spaces (for table cells: nothing is cut). */
    public static String clean(String s) {
        return s == null ? "" : UNSAFE.matcher(s).replaceAll(" ");
    }

    /**
     * Text for the terminal that may span lines: newlines and tabs stay, every other control character
     * (see {@link #UNSAFE}) becomes a space, so no server-provided string can move the cursor, retitle
     * the window, write a hyperlink or reorder what the user reads.
     */
    public static String safe(String s) {
        return s == null ? "" : UNSAFE_KEEP_LINES.matcher(s.replace("\r\n", "\n")).replaceAll(" ");
    }

    /** An epoch-seconds time as ISO-8601 (UTC, seconds). */
    public static String time(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString();
    }

    /** An ISO-8601 instant from the server, without fractions of a second; other text as it is. */
    public static String time(String iso) {
        if (iso == null || iso.isBlank()) {
            return "";
        }
        try {
            return Instant.parse(iso).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            try {
                // Jackson's numeric timestamps: seconds with a fraction
                return time((long) Double.parseDouble(iso));
            } catch (NumberFormatException n) {
                return iso;
            }
        }
    }

    /** "in 59 min", "3 s ago". */
    public static String relative(long epochSeconds, long now) {
        long d = epochSeconds - now;
        String amount = human(Duration.ofSeconds(Math.abs(d)));
        return d >= 0 ? "in " + amount : amount + " ago";
    }

    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 2 * 3600) {
            return s / 60 + " min";
        }
        if (s < 3 * 86400) {
            return s / 3600 + " h";
        }
        return s / 86400 + " days";
    }

    /**
     * A duration: plain seconds, or a number with s, m, h or d ("90", "15m", "7d").
     *
     * @throws CliException (usage) when it is not one
     */
    public static long seconds(String text, String what) {
        String t = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3600;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("d")) {
            unit = 86400;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CliException.usage(what + " must be a duration like 3600, 90s, 15m, 12h or 7d");
        }
    }
}
