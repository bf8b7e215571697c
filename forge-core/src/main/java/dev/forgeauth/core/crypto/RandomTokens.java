package dev.forgeauth.core.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/** Random values for secrets and identifiers, URL-safe. */
public final class RandomTokens {

    /** Created on first use at run time: a native image must not carry a seeded SecureRandom. */
    private static final class Holder {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private RandomTokens() {
    }

    /** {@code bytes} random bytes as base64url without padding (32 bytes = 256 bits = 43 characters). */
    public static String urlSafe(int bytes) {
        byte[] b = new byte[bytes];
        Holder.RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        Holder.RANDOM.nextBytes(b);
        return b;
    }
}
