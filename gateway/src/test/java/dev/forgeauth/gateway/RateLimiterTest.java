package dev.forgeauth.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.gateway.ratelimit.RateLimiter;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The shared token bucket against the real Redis: bursts of concurrent requests, and the limit. */
@QuarkusTest
class RateLimiterTest {

    @Inject
    RateLimiter limiter;

    static long allowed(List<Long> waits) {
        return waits.stream().filter(w -> w == 0).count();
    }

    @Test
    void concurrentRequestsShareLeasesWithoutSpuriousRefusals() {
        // 100/s, burst 200: 50 requests at once all fit, although one lease holds only 10 tokens
        String key = "sub:burst-" + UUID.randomUUID();
        List<Uni<Long>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(limiter.acquire("test", key, 100, 200)); // all waiting on the same first lease
        }
        List<Long> waits = Uni.join().all(all).andFailFast().await().atMost(Duration.ofSeconds(10));
        assertEquals(50, allowed(waits), "refused: " + waits);
    }

    @Test
    void theBurstIsTheLimit() {
        // 1/s, burst 2: of 10 requests at once, at most the burst (and what refills meanwhile) passes
        String key = "sub:limit-" + UUID.randomUUID();
        List<Uni<Long>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(limiter.acquire("test", key, 1, 2));
        }
        List<Long> waits = Uni.join().all(all).andFailFast().await().atMost(Duration.ofSeconds(10));
        long ok = allowed(waits);
        assertTrue(ok >= 1 && ok <= 3, "allowed " + ok + " of 10: " + waits);
        assertTrue(waits.stream().filter(w -> w > 0).allMatch(w -> w >= 1), "Retry-After at least 1 s: " + waits);
    }
}
