package dev.forgeauth.gateway;

import static dev.forgeauth.gateway.ProxyTest.read;
import static dev.forgeauth.gateway.ProxyTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.gateway.ProxyTest.Raw;
import dev.forgeauth.gateway.support.UpstreamServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Slow bodies (issue 21 point 2): a small body is read whole before an upstream connection is taken, a
 * body has a deadline (1.5 s in the tests' configuration), and requests with a body in progress are
 * capped per client address. Other loopback addresses (127.0.0.x) play other clients.
 */
@QuarkusTest
class SlowBodyTest {

    @TestHTTPResource("/")
    URL base;

    Socket open(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    static String head(String path, int length) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + length + "\r\n\r\n";
    }

    @Test
    void aTricklingSmallBodyHoldsNoUpstreamConnectionUntilItIsWhole() throws Exception {
        String path = "/auth/slow-body-" + System.nanoTime();
        String body = "{\"email\":\"a@example.com\",\"password\":\"correct horse\"}";
        try (Socket s = open("127.0.0.1")) {
            send(s, head(path, body.length()) + body.substring(0, 10));
            Thread.sleep(400);
            send(s, body.substring(10, 20));
            Thread.sleep(400);
            assertEquals(0, UpstreamServer.hits(path), "the upstream was asked before the body was whole");
            send(s, body.substring(20));
            Raw r = read(s.getInputStream(), false);
            assertEquals(200, r.status());
            assertEquals(body.length(), r.json().getLong("body_bytes").intValue());
            assertEquals(1, UpstreamServer.hits(path));
        }
    }

    @Test
    void aBodyThatDoesNotArriveWithinItsDeadlineIsA408() throws Exception {
        String path = "/auth/never-whole-" + System.nanoTime();
        try (Socket s = open("127.0.0.1")) {
            send(s, head(path, 100) + "{\"a\":");
            long start = System.nanoTime();
            // a byte every 200 ms: an idle timeout would never fire, the whole-body deadline does
            Raw r = null;
            s.setSoTimeout(200);
            for (int i = 0; i < 40 && r == null; i++) {
                try {
                    r = read(s.getInputStream(), false);
                } catch (java.net.SocketTimeoutException e) {
                    send(s, " ");
                }
            }
            assertNotNull(r, "no answer within 8 s");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(408, r.status());
            assertEquals("request_timeout", r.json().getString("error"));
            assertTrue(millis < 4000, "answered after " + millis + " ms");
            assertEquals(0, UpstreamServer.hits(path));
        }
    }

    @Test
    void requestsWithABodyInProgressAreCappedPerAddress() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                Socket s = open("127.0.0.91");
                send(s, head("/auth/held", 100) + "{");
                held.add(s);
            }
            Thread.sleep(300);
            try (Socket s = open("127.0.0.91")) {
                send(s, head("/auth/one-too-many", 2) + "{}");
                Raw r = read(s.getInputStream(), false);
                assertEquals(429, r.status());
                assertEquals("too_many_requests", r.json().getString("error"));
            }
            // another address is not affected
            try (Socket s = open("127.0.0.92")) {
                send(s, head("/auth/other-address", 2) + "{}");
                assertEquals(200, read(s.getInputStream(), false).status());
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aLoginAnswersWithinASecondWhile512ConnectionsTrickleLoginBodies() throws Exception {
        // the attacker: 512 connections (64 from each of 8 addresses, the per-address cap) each sending a
        // login body a byte at a time; bounded: at most 512 sockets, for at most the body deadline
        List<Socket> attack = new ArrayList<>();
        String login = "{\"email\":\"victim@example.com\",\"password\":\"correct horse battery\"}";
        byte[] bytes = login.getBytes(StandardCharsets.UTF_8);
        try {
            for (int a = 0; a < 8; a++) {
                for (int i = 0; i < 64; i++) {
                    Socket s = open("127.0.1." + (10 + a));
                    send(s, head("/auth/login", bytes.length) + login.charAt(0));
                    attack.add(s);
                }
            }
            for (int round = 0; round < 3; round++) {
                for (Socket s : attack) {
                    s.getOutputStream().write(bytes[1 + round]);
                    s.getOutputStream().flush();
                }
                long start = System.nanoTime();
                try (Socket s = open("127.0.0.1")) {
                    send(s, head("/auth/login", bytes.length) + login);
                    Raw r = read(s.getInputStream(), false);
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(200, r.status());
                    assertTrue(millis < 1000, "a normal login took " + millis + " ms under the attack");
                }
            }
        } finally {
            for (Socket s : attack) {
                s.close();
            }
        }
    }
}
