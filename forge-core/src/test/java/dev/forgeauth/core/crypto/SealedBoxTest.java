package dev.forgeauth.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** AES-GCM boxes: open only under the same KEK and purpose, and only unaltered. */
class SealedBoxTest {

    static final Kek KEK = new Kek(Base64.getEncoder().encodeToString(new byte[32]));
    static final byte[] PLAIN = "{\"state\":\"abc\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aBoxOpensToWhatWasSealedAndHidesIt() {
        SealedBox box = new SealedBox(KEK, "test/v1");
        String sealed = box.seal(PLAIN);
        assertTrue(sealed.startsWith("s."));
        assertTrue(!sealed.contains("state") && !new String(Base64.getUrlDecoder().decode(sealed.substring(2)),
                StandardCharsets.ISO_8859_1).contains("state"), "encrypted");
        assertArrayEquals(PLAIN, box.open(sealed));
        assertNotEquals(sealed, box.seal(PLAIN), "a fresh nonce each time");
    }

    @Test
    void alteredForeignOrTruncatedBoxesDoNotOpen() {
        SealedBox box = new SealedBox(KEK, "test/v1");
        String sealed = box.seal(PLAIN);
        char last = sealed.charAt(sealed.length() - 3);
        String altered = sealed.substring(0, sealed.length() - 3) + (last == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 2);
        assertNull(box.open(altered));
        assertNull(new SealedBox(KEK, "other/v1").open(sealed), "another purpose");
        byte[] other = new byte[32];
        other[0] = 1;
        assertNull(new SealedBox(new Kek(Base64.getEncoder().encodeToString(other)), "test/v1").open(sealed), "another KEK");
        assertNull(box.open(sealed.substring(0, 10)));
        assertNull(box.open("s.!!!"));
        assertNull(box.open("not sealed"));
        assertNull(box.open(null));
    }
}
