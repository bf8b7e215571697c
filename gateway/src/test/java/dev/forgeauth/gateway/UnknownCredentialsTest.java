package dev.forgeauth.gateway;

import static dev.forgeauth.gateway.ProxyTest.read;
import static dev.forgeauth.gateway.ProxyTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.gateway.ProxyTest.Raw;
import dev.forgeauth.gateway.support.UpstreamServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * Well-formed credentials nobody issued (they pass the offline prefix/length/checksum check, so only
 * introspection can tell): limited per client address, so a flood of them costs introspection a bounded
 * number of calls and does not lock anyone else out. Clients on other loopback addresses (127.0.0.x is
 * all the machine's own) play the other addresses.
 */
@QuarkusTest
class UnknownCredentialsTest {

    @TestHTTPResource("/")
    URL base;

    /** GET /api/v1/deployments with {@code credential} from the local address {@code from}. */
    Raw get(String from, String credential) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
            s.setSoTimeout(10_000);
            send(s, "GET /api/v1/deployments/u HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + credential
                    + "\r\nConnection: close\r\n\r\n");
            return read(s.getInputStream(), false);
        }
    }

    static int introspections(String token) {
        var n = UpstreamServer.INTROSPECTIONS.get(token);
        return n == null ? 0 : n.get();
    }

    @Test
    void unknownCredentialsAreLimitedPerAddressBeforeIntrospection() throws Exception {
        String attacker = "127.0.0.77";
        // a credential the attacker's address had accepted before the flood
        String own = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        assertEquals(200, get(attacker, own).status());
        // 30 (the default per-address budget) made-up, well-formed PATs: each asked once, each 401
        for (int i = 0; i < 30; i++) {
            String junk = OpaqueTokens.generate(OpaqueTokens.PAT);
            Raw r = get(attacker, junk);
            assertEquals(401, r.status(), "junk " + i);
            assertEquals("invalid_token", r.json().getString("error"));
            assertEquals(1, introspections(junk));
        }
        // the next ones are refused without an introspection call, with a JSON 429 and Retry-After
        String more = OpaqueTokens.generate(OpaqueTokens.PAT);
        Raw limited = get(attacker, more);
        assertEquals(429, limited.status(), limited.json().encode());
        assertEquals("too_many_requests", limited.json().getString("error"));
        assertNotNull(limited.header("Retry-After"));
        assertEquals(0, introspections(more), "a credential past the budget was introspected");
        // a valid but uncached credential from that address is refused too: no introspection for it now
        String fresh = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        assertEquals(429, get(attacker, fresh).status());
        // what the address had accepted is answered from the cache and keeps working
        assertEquals(200, get(attacker, own).status());
        // everyone else is unaffected: another address's new credentials are introspected as usual
        String other = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        assertEquals(200, get("127.0.0.78", other).status());
        String otherJunk = OpaqueTokens.generate(OpaqueTokens.PAT);
        assertEquals(401, get("127.0.0.78", otherJunk).status());
        assertEquals(1, introspections(otherJunk));
    }
}
