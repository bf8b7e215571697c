package dev.forgeauth.auth.keys;

import java.time.Instant;

/** One row of {@code signing_key}, without the private part. */
public record KeyRow(String kid, String alg, KeyStatus status, Instant createdAt, Instant activateAt,
        Instant activatedAt, Instant retiresAt) {
}
