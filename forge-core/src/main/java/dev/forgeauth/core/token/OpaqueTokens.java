package dev.forgeauth.core.token;

import java.security.SecureRandom;
import java.util.zip.CRC32;

/**
 * The format of every opaque credential: {@code prefix + 32 base62 characters of randomness (≥ 190 bits)
 * + 6 base62 characters of CRC-32 checksum}. The prefix says the kind; the checksum lets a secret scanner
 * (or this code, before any database lookup) tell a real token from a random string or a mistyped one,
 * offline. Regular expressions for scanners are in the README.
 *
 * <pre>
 * refresh token   df_rt_[0-9A-Za-z]{38}
 * session id      dfs_[0-9A-Za-z]{38}
 * PAT             dfpat_[0-9A-Za-z]{38}
 * API key         sk_live_[0-9A-Za-z]{38}
 * </pre>
 */
public final class OpaqueTokens {

    public static final String REFRESH = "df_rt_";
    public static final String SESSION = "dfs_";
    public static final String MFA = "dfm_";
    public static final String CODE = "dfac_";
    public static final String DEVICE_CODE = "dfdc_";
    public static final String PAT = "dfpat_";
    public static final String API_KEY = "sk_live_";

    static final int RANDOM_CHARS = 32;
    static final int CHECKSUM_CHARS = 6;
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    /** Holder so that the SecureRandom is created at run time (native images initialise classes at build time). */
    private static final class Random {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private OpaqueTokens() {
    }

    /** A new token of the kind {@code prefix}. */
    public static String generate(String prefix) {
        StringBuilder sb = new StringBuilder(prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS).append(prefix);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            sb.append(ALPHABET[Random.RANDOM.nextInt(ALPHABET.length)]);
        }
        sb.append(checksum(sb));
        return sb.toString();
    }

    /**
     * True when {@code token} is a well-formed token of kind {@code prefix} with a correct checksum. No
     * allocation: the gateway runs it on every request that carries an opaque credential it has not seen.
     */
    public static boolean isValid(String token, String prefix) {
        if (token == null || !token.startsWith(prefix)
                || token.length() != prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS) {
            return false;
        }
        int n = token.length();
        for (int i = prefix.length(); i < n; i++) {
            char c = token.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        CRC32 crc = new CRC32();
        for (int i = 0; i < n - CHECKSUM_CHARS; i++) {
            crc.update(token.charAt(i));
        }
        long v = crc.getValue();
        for (int i = n - 1; i >= n - CHECKSUM_CHARS; i--) {
            if (token.charAt(i) != ALPHABET[(int) (v % ALPHABET.length)]) {
                return false;
            }
            v /= ALPHABET.length;
        }
        return true;
    }

    static String checksum(CharSequence head) {
        CRC32 crc = new CRC32();
        for (int i = 0; i < head.length(); i++) {
            crc.update(head.charAt(i));
        }
        long v = crc.getValue();
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (v % ALPHABET.length)];
            v /= ALPHABET.length;
        }
        return new String(out);
    }
}
