package dev.forgeauth.auth.security;

import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.core.crypto.SecretHasher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Beans built from configuration that plain classes in forge-core need. */
public class SecurityProducers {

    @Produces
    @ApplicationScoped
    SecretHasher secretHasher(SigningKeys keys) {
        return new SecretHasher(keys.encryption().secretHashKey());
    }
}
