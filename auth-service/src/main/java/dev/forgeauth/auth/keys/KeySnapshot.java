package dev.forgeauth.auth.keys;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the key set that request threads read without locking: the key that signs,
 * the public keys by kid, and the JWKS document already serialised.
 */
public record KeySnapshot(String activeKid, String activeAlg, PrivateKey activeKey,
        Map<String, PublicKey> publicKeys, List<KeyRow> rows, String jwksJson) {

    public static final KeySnapshot EMPTY = new KeySnapshot(null, null, null, Map.of(), List.of(), "{\"keys\":[]}");

    public boolean canSign() {
        return activeKey != null;
    }
}
