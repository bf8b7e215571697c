package dev.forgeauth.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption key (FORGE_KEK) and the keys derived from it, one per purpose, so that a service
 * that only needs to check client secrets never holds the key that decrypts signing keys.
 */
public final class Kek {

    public static final String PURPOSE_KEY_ENCRYPTION = "forge/key-encryption/v1";
    public static final String PURPOSE_SECRET_HASH = "forge/secret-hash/v1";
    /** Sealed pending authorization requests in the sign-in forms (no server-side state before a submit). */
    public static final String PURPOSE_PENDING = "forge/pending-authorization/v1";

    private final byte[] master;

    public Kek(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64 == null ? "" : base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("forge.kek (FORGE_KEK) must be base64 of 32 random bytes");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("forge.kek (FORGE_KEK) must be base64 of exactly 32 random bytes, got "
                    + raw.length);
        }
        this.master = raw;
    }

    /** HKDF-expand style derivation with HMAC-SHA-256: independent keys per purpose. */
    public byte[] derive(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(master, "HmacSHA256"));
            mac.update(purpose.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 1);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public SecretHasher secretHasher() {
        return new SecretHasher(derive(PURPOSE_SECRET_HASH));
    }

    /**
     * The secret-hashing key alone, base64: what a service that only checks secrets and looks tokens up
     * by their hash (the introspection service) is given instead of the KEK. The same value as
     * {@code printf 'forge/secret-hash/v1\001' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<KEK as hex> -binary | base64}.
     */
    public String secretHashKeyBase64() {
        return Base64.getEncoder().encodeToString(derive(PURPOSE_SECRET_HASH));
    }

    /** A hasher from a secret-hashing key given on its own (base64 of the 32 bytes {@link #secretHashKeyBase64()} gives). */
    public static SecretHasher secretHasherFromKey(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64 == null ? "" : base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("forge.secret-hash-key (FORGE_SECRET_HASH_KEY) must be base64 of 32 bytes");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("forge.secret-hash-key (FORGE_SECRET_HASH_KEY) must be base64 of exactly 32 bytes, got "
                    + raw.length);
        }
        return new SecretHasher(raw);
    }
}
