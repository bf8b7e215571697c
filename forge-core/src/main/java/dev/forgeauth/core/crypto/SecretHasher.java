package dev.forgeauth.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash (HMAC-SHA-256) for high-entropy, server-generated secrets: client secrets, opaque tokens,
 * one-time codes. A slow password hash adds nothing against guessing 128 random bits and would cap
 * throughput; the key (a server-side pepper) means a stolen database alone cannot even confirm a
 * guessed secret. Passwords chosen by people use Argon2id instead.
 */
public final class SecretHasher {

    private final SecretKeySpec key;

    public SecretHasher(byte[] pepper) {
        if (pepper.length < 32) {
            throw new IllegalArgumentException("the hashing key needs at least 256 bits");
        }
        this.key = new SecretKeySpec(pepper, "HmacSHA256");
    }

    /** Base64url (no padding) of HMAC-SHA-256(pepper, secret). */
    public String hash(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time comparison of a presented secret with a stored hash. */
    public boolean matches(String presented, String storedHash) {
        if (presented == null || storedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(presented).getBytes(StandardCharsets.US_ASCII),
                storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** SHA-256 (unkeyed) base64url, for cache keys of tokens that must not sit in memory raw. */
    public static String sha256(String value) {
        // one digest per thread: MessageDigest.getInstance looks the provider up on every call, and the
        // gateway and the introspection service compute a cache key on every request
        MessageDigest md = SHA256.get();
        md.reset();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(md.digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });
}
