package dev.forgeauth.gateway;

import static dev.forgeauth.gateway.ProxyTest.read;
import static dev.forgeauth.gateway.ProxyTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.gateway.ProxyTest.Raw;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.Socket;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The wait for a pooled upstream connection is bounded (issue 21 point 2): with one connection and one
 * waiter per event loop, and an upstream that takes 2 s, the requests that find no connection within
 * pool-wait are a prompt 503 JSON, not a queue that grows without end.
 */
@QuarkusTest
@TestProfile(UpstreamPoolTest.TinyPool.class)
class UpstreamPoolTest {

    public static class TinyPool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forge.gateway.upstream.max-pool-size", "1",
                    "forge.gateway.upstream.max-wait-queue", "1",
                    "forge.gateway.upstream.pool-wait", "300ms",
                    "forge.gateway.routes.slow.timeout", "10s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    Raw slow() throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(20_000);
            send(s, "GET /api/v1/slow/p HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ProxyTest.reader()
                    + "\r\nConnection: close\r\n\r\n");
            return read(s.getInputStream(), false);
        }
    }

    @Test
    void noPooledConnectionWithinPoolWaitIsA503() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            List<Future<long[]>> all = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                all.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    Raw r = slow();
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    if (r.status() == 503) {
                        assertEquals("temporarily_unavailable", r.json().getString("error"));
                        assertEquals("1", r.header("Retry-After"));
                    }
                    return new long[] {r.status(), millis};
                }));
            }
            int busy = 0;
            for (Future<long[]> f : all) {
                long[] r = f.get();
                assertTrue(r[0] == 200 || r[0] == 503, "status " + r[0]);
                if (r[0] == 503) {
                    busy++;
                    assertTrue(r[1] < 1500, "a 503 after " + r[1] + " ms");
                }
            }
            assertTrue(busy > 0, "every request waited for a connection");
        } finally {
            pool.shutdownNow();
        }
    }
}
