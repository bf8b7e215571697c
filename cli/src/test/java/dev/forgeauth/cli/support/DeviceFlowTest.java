package dev.forgeauth.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The polling rules of RFC 8628 §3.5, on a fake clock and a scripted token endpoint. */
class DeviceFlowTest {

    long now;
    final List<Long> waits = new ArrayList<>();
    final Deque<Object> answers = new ArrayDeque<>();

    static Http.Response error(int status, String code) {
        return new Http.Response(status, HttpHeaders.of(Map.of(), (a, b) -> true),
                "{\"error\":\"" + code + "\",\"error_description\":\"" + code + " happened\"}", "POST", "http://x/oauth/token");
    }

    static Http.Response tokens() {
        return new Http.Response(200, HttpHeaders.of(Map.of(), (a, b) -> true),
                "{\"access_token\":\"at\",\"refresh_token\":\"rt\",\"expires_in\":60}", "POST", "http://x/oauth/token");
    }

    DeviceFlow flow(long interval) {
        return new DeviceFlow(() -> {
            Object next = answers.removeFirst();
            if (next instanceof CliException e) {
                throw e;
            }
            return (Http.Response) next;
        }, ms -> {
            waits.add(ms);
            now += ms;
        }, () -> now, interval);
    }

    @Test
    void waitsTheIntervalAndSlowsDownByFiveSeconds() {
        answers.add(error(400, "authorization_pending"));
        answers.add(error(400, "slow_down"));
        answers.add(error(400, "authorization_pending"));
        answers.add(tokens());
        DeviceFlow f = flow(2);
        assertEquals("at", f.await(600).get("access_token").asText());
        assertEquals(List.of(2000L, 2000L, 7000L, 7000L), waits);
        assertEquals(4, f.polls());
        assertEquals(7, f.intervalSeconds());
    }

    @Test
    void deniedAndExpiredAreNotAuthenticated() {
        answers.add(error(400, "access_denied"));
        CliException denied = assertThrows(CliException.class, () -> flow(1).await(600));
        assertEquals(CliException.AUTH, denied.exitCode());
        assertTrue(denied.getMessage().contains("denied"), denied.getMessage());

        answers.add(error(400, "expired_token"));
        CliException expired = assertThrows(CliException.class, () -> flow(1).await(600));
        assertEquals(CliException.AUTH, expired.exitCode());
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    }

    @Test
    void givesUpAtTheDeadline() {
        for (int i = 0; i < 100; i++) {
            answers.add(error(400, "authorization_pending"));
        }
        CliException e = assertThrows(CliException.class, () -> flow(5).await(21));
        assertEquals(CliException.AUTH, e.exitCode());
        assertEquals(4, waits.size(), "polls at 5, 10, 15, 20 s; the next would pass 21 s");
    }

    @Test
    void retriesNetworkFailuresAFewTimesThenFails() {
        answers.add(CliException.error("cannot reach"));
        answers.add(error(503, "temporarily_unavailable"));
        answers.add(tokens());
        assertEquals("at", flow(1).await(600).get("access_token").asText());

        answers.clear();
        for (int i = 0; i < 3; i++) {
            answers.add(CliException.error("cannot reach"));
        }
        CliException e = assertThrows(CliException.class, () -> flow(1).await(600));
        assertEquals(CliException.ERROR, e.exitCode());
    }

    @Test
    void otherErrorsStopWithTheServersDescription() {
        answers.add(error(400, "invalid_grant"));
        CliException e = assertThrows(CliException.class, () -> flow(1).await(600));
        assertEquals("invalid_grant happened (invalid_grant, HTTP 400)", e.getMessage());
        assertEquals(CliException.ERROR, e.exitCode());
    }
}
