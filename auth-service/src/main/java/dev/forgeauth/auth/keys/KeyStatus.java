package dev.forgeauth.auth.keys;

/** Lifecycle of a signing key: published before it signs, published after it stops signing. */
public enum KeyStatus {
    /** Published in the JWKS, not yet signing. */
    NEXT,
    /** Signing new tokens, published. */
    ACTIVE,
    /** No longer signing; published until its last token has expired. */
    RETIRED;

    public String dbValue() {
        return name().toLowerCase();
    }

    public static KeyStatus of(String db) {
        return valueOf(db.toUpperCase());
    }
}
