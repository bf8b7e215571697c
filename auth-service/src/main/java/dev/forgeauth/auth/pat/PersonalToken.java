package dev.forgeauth.auth.pat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A PAT or API key as stored (without its value). */
public record PersonalToken(UUID id, String kind, UUID userId, String name, List<String> scopes, Instant createdAt,
        Instant expiresAt, Instant lastUsedAt, String lastUsedIp, UUID rotatedTo) {
}
