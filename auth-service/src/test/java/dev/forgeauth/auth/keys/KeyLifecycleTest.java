package dev.forgeauth.auth.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rotation rules, without a database. */
class KeyLifecycleTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    static final Duration PERIOD = Duration.ofDays(30);

    static KeyRow active(String kid, Instant since) {
        return new KeyRow(kid, "RS256", KeyStatus.ACTIVE, since, since, since, null);
    }

    static KeyRow next(String kid, Instant activateAt) {
        return new KeyRow(kid, "RS256", KeyStatus.NEXT, NOW.minusSeconds(60), activateAt, null, null);
    }

    @Test
    void firstStartCreatesAnActiveKey() {
        var plan = KeyLifecycle.plan(List.of(), NOW, "RS256", PERIOD, false);
        assertTrue(plan.createActive());
        assertFalse(plan.createNext());
    }

    @Test
    void youngActiveKeyIsLeftAlone() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW.minus(Duration.ofDays(1)))), NOW, "RS256", PERIOD, false);
        assertFalse(plan.changesAnything());
    }

    @Test
    void oldActiveKeyGetsANextKeyNotAnActiveOne() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW.minus(Duration.ofDays(31)))), NOW, "RS256", PERIOD, false);
        assertTrue(plan.createNext());
        assertFalse(plan.createActive(), "a new key is published before it signs");
    }

    @Test
    void rotateOnDemandCreatesNextKey() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW)), NOW, "RS256", PERIOD, true);
        assertTrue(plan.createNext());
    }

    @Test
    void nextKeyIsNotPromotedBeforeItsTime() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW), next("b", NOW.plusSeconds(1))), NOW, "RS256", PERIOD, false);
        assertEquals(Optional.empty(), plan.promote());
        assertFalse(plan.needsNewKey());
    }

    @Test
    void rotateWhilePendingDoesNotStackKeys() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW), next("b", NOW.plusSeconds(60))), NOW, "RS256", PERIOD, true);
        assertFalse(plan.needsNewKey());
    }

    @Test
    void nextKeyIsPromotedWhenDue() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW), next("b", NOW)), NOW, "RS256", PERIOD, false);
        assertEquals(Optional.of("b"), plan.promote());
    }

    @Test
    void changedAlgorithmStartsARotation() {
        var plan = KeyLifecycle.plan(List.of(active("a", NOW)), NOW, "ES256", PERIOD, false);
        assertTrue(plan.createNext());
    }
}
