package dev.forgeauth.auth.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * More logins at once than the hashing pool takes: the surplus is refused at once with a JSON 503 and
 * Retry-After (never a 500, never a long wait), the rest succeed, and the service recovers.
 */
@QuarkusTest
@TestProfile(PasswordHashingOverloadTest.SmallPool.class)
class PasswordHashingOverloadTest {

    public static class SmallPool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forge.password-hashing.threads", "1", "forge.password-hashing.queue", "1");
        }
    }

    @Test
    void surplusLoginsGet503AtOnceAndTheRestSucceed() throws Exception {
        var u = TestUsers.create("deployment:read");
        int n = 12;
        ExecutorService clients = Executors.newFixedThreadPool(n);
        List<ExtractableResponse<Response>> answers = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ExtractableResponse<Response>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(clients.submit(() -> {
                    go.await();
                    return TestUsers.login(u);
                }));
            }
            go.countDown();
            for (var f : futures) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        int ok = 0;
        int busy = 0;
        for (var r : answers) {
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(503, r.statusCode(), r.body().asString());
                assertEquals("temporarily_unavailable", r.path("error"));
                assertEquals("1", r.header("Retry-After"));
                busy++;
            }
        }
        assertTrue(ok >= 1, "no login got through: " + ok + " ok, " + busy + " busy");
        assertTrue(busy >= 1, "one thread and a queue of one cannot take " + n + " logins at once");
        // and once the burst is over, a login works again
        assertEquals(200, TestUsers.login(u).statusCode());
    }
}
