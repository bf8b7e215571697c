package dev.forgeauth.auth.keys;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rotation rules as a pure function of the stored keys and the clock, so they can be tested
 * without a database: decides whether a key must be created (and in which state) and whether the
 * next key is due to become active.
 */
public final class KeyLifecycle {

    /** What reconciliation must do; at most one of the two creations. */
    public record Plan(boolean createActive, boolean createNext, Optional<String> promote) {
        public boolean needsNewKey() {
            return createActive || createNext;
        }

        public boolean changesAnything() {
            return createActive || createNext || promote.isPresent();
        }
    }

    private KeyLifecycle() {
    }

    /**
     * @param rows the stored keys
     * @param now the clock
     * @param alg the configured signing algorithm
     * @param rotationPeriod age after which the active key is replaced
     * @param rotateNow an operator asked for a rotation
     */
    public static Plan plan(List<KeyRow> rows, Instant now, String alg, Duration rotationPeriod, boolean rotateNow) {
        KeyRow active = find(rows, KeyStatus.ACTIVE);
        KeyRow next = find(rows, KeyStatus.NEXT);
        if (active == null && next == null) {
            // first start: nothing was ever published, so nothing can be verified with a key we skip
            return new Plan(true, false, Optional.empty());
        }
        if (next != null) {
            boolean due = active == null || next.activateAt() == null || !next.activateAt().isAfter(now);
            return new Plan(false, false, due ? Optional.of(next.kid()) : Optional.empty());
        }
        Instant since = active.activatedAt() != null ? active.activatedAt() : active.createdAt();
        boolean old = !since.plus(rotationPeriod).isAfter(now);
        boolean algChanged = !active.alg().equals(alg);
        return new Plan(false, rotateNow || old || algChanged, Optional.empty());
    }

    private static KeyRow find(List<KeyRow> rows, KeyStatus status) {
        for (KeyRow r : rows) {
            if (r.status() == status) {
                return r;
            }
        }
        return null;
    }
}
