package dev.forgeauth.auth.keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import dev.forgeauth.core.crypto.Kek;
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
        Kek master = new Kek(base64Kek);
        this.kek = new SecretKeySpec(master.derive(Kek.PURPOSE_KEY_ENCRYPTION), "AES");
        this.secretHashKey = master.derive(Kek.PURPOSE_SECRET_HASH);
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

}
