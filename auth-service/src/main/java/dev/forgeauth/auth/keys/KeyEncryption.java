package dev.forgeauth.auth.keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import dev.forgeauth.core.crypto.RandomTokens;

/**
 * Envelope for private keys at rest: AES-256-GCM under the key-encryption key, with the key id as
 * associated data so that a ciphertext cannot be swapped onto another row. Stored as iv || ciphertext.
 */
public final class KeyEncryption {

    private static final int IV_BYTES = 12;
    private final SecretKeySpec kek;
    private final byte[] secretHashKey;

    public KeyEncryption(String base64Kek) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Kek.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("forge.kek (FORGE_KEK) must be base64 of 32 random bytes");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("forge.kek (FORGE_KEK) must be base64 of exactly 32 random bytes, got "
                    + raw.length);
        }
        this.kek = new SecretKeySpec(deriveKey(raw, "forge/key-encryption/v1"), "AES");
        this.secretHashKey = deriveKey(raw, "forge/secret-hash/v1");
    }

    /** A separate key, derived from the KEK, for hashing client secrets and opaque tokens. */
    public byte[] secretHashKey() {
        return secretHashKey.clone();
    }

    public byte[] encrypt(byte[] plaintext, String kid) {
        try {
            byte[] iv = RandomTokens.bytes(IV_BYTES);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv));
            c.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext);
            return ByteBuffer.allocate(IV_BYTES + ct.length).put(iv).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt signing key", e);
        }
    }

    public byte[] decrypt(byte[] envelope, String kid) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(128, envelope, 0, IV_BYTES));
            c.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(envelope, IV_BYTES, envelope.length - IV_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt signing key " + kid
                    + ": is forge.kek the key it was stored under?", e);
        }
    }

    /** HKDF-style expansion with HMAC-SHA-256: one master secret, independent keys per purpose. */
    private static byte[] deriveKey(byte[] master, String purpose) {
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
}
