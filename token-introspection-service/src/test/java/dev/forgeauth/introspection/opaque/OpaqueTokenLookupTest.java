package dev.forgeauth.introspection.opaque;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The format check comes before any lookup: a token with one character changed never reaches storage. */
class OpaqueTokenLookupTest {

    static final class CountingKind implements OpaqueTokenKind {
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public String prefix() {
            return OpaqueTokens.PAT;
        }

        @Override
        public String kindName() {
            return "pat";
        }

        @Override
        public boolean wellFormed(String token) {
            return OpaqueTokens.isValid(token, OpaqueTokens.PAT);
        }

        @Override
        public Uni<Optional<TokenInfo>> findByHash(String lookupHash) {
            lookups.incrementAndGet();
            return Uni.createFrom().item(Optional.empty());
        }
    }

    @Test
    void oneChangedCharacterIsRejectedBeforeAnyLookup() {
        CountingKind kind = new CountingKind();
        // no Redis and no revocation view are needed on this path: passing null proves they are not touched
        OpaqueTokenLookup lookup = new OpaqueTokenLookup(List.of(kind), new SecretHasher(new byte[32]), null, null);
        String token = OpaqueTokens.generate(OpaqueTokens.PAT);
        for (int pos = OpaqueTokens.PAT.length(); pos < token.length(); pos++) {
            char other = token.charAt(pos) == 'x' ? 'y' : 'x';
            String changed = token.substring(0, pos) + other + token.substring(pos + 1);
            assertTrue(lookup.resolve(changed).await().indefinitely().isEmpty());
        }
        assertTrue(lookup.resolve("dfpat_short").await().indefinitely().isEmpty());
        assertTrue(lookup.resolve("unknownprefix_" + token).await().indefinitely().isEmpty());
        assertEquals(0, kind.lookups.get());
    }
}
