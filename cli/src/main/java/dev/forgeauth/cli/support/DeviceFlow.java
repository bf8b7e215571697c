package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.LongSupplier;

/**
 * Polls the token endpoint for a device code (RFC 8628 §3.4-3.5): waits the interval before each poll,
 * adds five seconds on {@code slow_down}, keeps waiting on {@code authorization_pending}, and stops on
 * {@code access_denied}, {@code expired_token} or when the code's lifetime is over (exit 3). A network
 * hiccup or a 5xx is retried a few times; 429 waits as long as {@code Retry-After} says.
 */
public final class DeviceFlow {

    /** One poll of the token endpoint. */
    @FunctionalInterface
    public interface Poll {
        Http.Response poll();
    }

    /** Waiting between polls (a test replaces it). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    static final int MAX_CONSECUTIVE_FAILURES = 3;

    private final Poll poll;
    private final Sleeper sleeper;
    private final LongSupplier clockMillis;
    private long intervalSeconds;
    private int polls;

    public DeviceFlow(Poll poll, Sleeper sleeper, LongSupplier clockMillis, long intervalSeconds) {
        this.poll = poll;
        this.sleeper = sleeper;
        this.clockMillis = clockMillis;
        this.intervalSeconds = Math.max(1, intervalSeconds);
    }

    public long intervalSeconds() {
        return intervalSeconds;
    }

    public int polls() {
        return polls;
    }

    /** The token answer once the user approved; a {@link CliException} otherwise. */
    public JsonNode await(long timeoutSeconds) {
        long deadline = clockMillis.getAsLong() + timeoutSeconds * 1000;
        int failures = 0;
        long wait = intervalSeconds * 1000;
        while (true) {
            if (clockMillis.getAsLong() + wait > deadline) {
                throw CliException.auth("timed out waiting for the approval of the code: run 'forge login' again");
            }
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.error("interrupted");
            }
            Http.Response r;
            try {
                r = poll.poll();
            } catch (CliException e) {
                if (e.exitCode() != CliException.ERROR || ++failures >= MAX_CONSECUTIVE_FAILURES) {
                    throw e;
                }
                wait = intervalSeconds * 1000;
                continue;
            }
            polls++;
            if (r.ok()) {
                return r.json();
            }
            String error = r.error();
            if ("authorization_pending".equals(error)) {
                failures = 0;
                wait = intervalSeconds * 1000;
            } else if ("slow_down".equals(error)) {
                failures = 0;
                intervalSeconds += 5; // RFC 8628 §3.5
                wait = intervalSeconds * 1000;
            } else if ("access_denied".equals(error)) {
                throw CliException.auth("the sign-in request was denied on the verification page");
            } else if ("expired_token".equals(error)) {
                throw CliException.auth("the code expired before it was approved: run 'forge login' again");
            } else if (r.status() == 429) {
                long retry = r.headers().firstValue("Retry-After").map(DeviceFlow::seconds).orElse(intervalSeconds);
                wait = Math.max(retry, intervalSeconds) * 1000;
            } else if (r.status() >= 500 && ++failures < MAX_CONSECUTIVE_FAILURES) {
                wait = intervalSeconds * 1000;
            } else {
                throw r.failure();
            }
        }
    }

    private static long seconds(String s) {
        try {
            return Math.max(1, Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return 5;
        }
    }
}
