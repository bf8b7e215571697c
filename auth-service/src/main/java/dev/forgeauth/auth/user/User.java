package dev.forgeauth.auth.user;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A person who logs in. The password and TOTP secret only as stored (hashed, encrypted). */
public record User(UUID id, String email, String passwordHash, List<String> scopes, byte[] totpSecret,
        boolean totpEnabled, Long totpLastStep, Instant createdAt) {

    public String scope() {
        return String.join(" ", scopes);
    }
}
