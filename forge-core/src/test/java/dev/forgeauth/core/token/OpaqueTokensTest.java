package dev.forgeauth.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpaqueTokensTest {

    @Test
    void generatedTokensAreValidUniqueAndMatchTheDocumentedPattern() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String t = OpaqueTokens.generate(OpaqueTokens.PAT);
            assertTrue(OpaqueTokens.isValid(t, OpaqueTokens.PAT));
            assertTrue(t.matches("dfpat_[0-9A-Za-z]{38}"));
            assertTrue(seen.add(t));
        }
    }

    @Test
    void oneChangedCharacterIsRejectedOffline() {
        String t = OpaqueTokens.generate(OpaqueTokens.REFRESH);
        int rejected = 0;
        for (int pos = OpaqueTokens.REFRESH.length(); pos < t.length(); pos++) {
            char c = t.charAt(pos);
            char other = c == 'a' ? 'b' : 'a';
            String changed = t.substring(0, pos) + other + t.substring(pos + 1);
            if (!OpaqueTokens.isValid(changed, OpaqueTokens.REFRESH)) {
                rejected++;
            }
        }
        assertEquals(t.length() - OpaqueTokens.REFRESH.length(), rejected);
    }

    @Test
    void wrongPrefixLengthOrAlphabetIsRejected() {
        String t = OpaqueTokens.generate(OpaqueTokens.SESSION);
        assertFalse(OpaqueTokens.isValid(t, OpaqueTokens.PAT));
        assertFalse(OpaqueTokens.isValid(t + "0", OpaqueTokens.SESSION));
        assertFalse(OpaqueTokens.isValid(t.replace(t.charAt(10), '-'), OpaqueTokens.SESSION));
        assertFalse(OpaqueTokens.isValid(null, OpaqueTokens.SESSION));
        assertFalse(OpaqueTokens.isValid("dfs_" + "0".repeat(38), OpaqueTokens.SESSION));
        assertNotEquals(OpaqueTokens.generate(OpaqueTokens.SESSION), OpaqueTokens.generate(OpaqueTokens.SESSION));
    }
}
