package dev.forgeauth.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.gateway.support.RawUpstream;
import dev.forgeauth.gateway.support.UpstreamServer;
import dev.forgeauth.testing.TestKeys;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The proxying itself, over raw sockets so nothing is normalised on the way: hop-by-hop headers in both
 * directions, forwarding headers, 100-continue, chunked bodies both ways, large bodies, answers cut short
 * by the upstream, a client that leaves, HEAD and 204.
 */
@QuarkusTest
class ProxyTest {

    @TestHTTPResource("/")
    URL base;

    static String reader() {
        return TestKeys.token().scope("deployment:read").build();
    }

    static String writer() {
        return TestKeys.token().scope("deployment:read deployment:write").build();
    }

    /** A response as read off the socket. */
    record Raw(int status, Map<String, String> headers, byte[] body, boolean complete) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonObject json() {
            return new JsonObject(new String(body, StandardCharsets.UTF_8));
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads one response (skipping 100 Continue); complete=false when the connection ended early. */
    static Raw read(InputStream in, boolean head) throws IOException {
        String status = line(in);
        assertNotNull(status, "no response");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        if (head || code == 204 || code == 304) {
            return new Raw(code, headers, body.toByteArray(), true);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                String size = line(in);
                if (size == null) {
                    complete = false;
                    break;
                }
                int n = Integer.parseInt(size.trim(), 16);
                if (n == 0) {
                    line(in);
                    break;
                }
                byte[] chunk = in.readNBytes(n);
                body.write(chunk);
                if (chunk.length < n || line(in) == null) {
                    complete = false;
                    break;
                }
            }
        } else if (headers.containsKey("content-length")) {
            long n = Long.parseLong(headers.get("content-length"));
            byte[] b = in.readNBytes((int) n);
            body.write(b);
            complete = b.length == n;
        } else {
            body.write(in.readAllBytes());
        }
        return new Raw(code, headers, body.toByteArray(), complete);
    }

    Socket connect() throws IOException {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    static void send(Socket s, String head) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void hopByHopAndForwardingHeadersFromTheClientStayAtTheGateway() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /api/v1/deployments/h HTTP/1.1\r\nHost: front.example:8443\r\n"
                    + "Authorization: Bearer " + reader() + "\r\n"
                    + "Connection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=300\r\n"
                    + "TE: trailers\r\nProxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\n"
                    + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n"
                    + "Forwarded: for=6.6.6.6\r\nX-Kept: yes\r\n\r\n");
            JsonObject h = read(s.getInputStream(), false).json().getJsonObject("headers");
            for (String gone : new String[] {"x-secret-hop", "keep-alive", "te", "proxy-authorization",
                    "proxy-connection", "forwarded", "authorization"}) {
                assertNull(h.getValue(gone), gone + " reached the upstream");
            }
            assertEquals("yes", h.getString("x-kept"));
            assertEquals("127.0.0.1", h.getString("x-forwarded-for"));
            assertEquals("http", h.getString("x-forwarded-proto"));
            assertEquals("front.example:8443", h.getString("x-forwarded-host"));
            assertFalse(String.valueOf(h.getString("connection")).toLowerCase(Locale.ROOT).contains("secret"));
        }
    }

    @Test
    void hopByHopHeadersFromTheUpstreamStayAtTheGatewayAndTheClientConnectionLives() throws Exception {
        try (Socket s = connect()) {
            String req = "GET /api/v1/raw/hop HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                    + "\r\n\r\n";
            send(s, req);
            Raw r = read(s.getInputStream(), false);
            assertEquals(200, r.status());
            assertEquals("ok", new String(r.body(), StandardCharsets.UTF_8));
            assertEquals("yes", r.header("X-Kept"));
            assertNull(r.header("X-Hop"));
            assertNull(r.header("Keep-Alive"));
            assertNull(r.header("Proxy-Connection"));
            assertNull(r.header("Trailer"));
            assertEquals("Thu, 26 Nov 2026 00:00:00 GMT", r.header("Date"), "the upstream's Date is kept");
            assertNotNull(r.header("X-Request-Id"));
            // the upstream's "Connection: close" closed the upstream connection, not the client's
            send(s, req);
            assertEquals(200, read(s.getInputStream(), false).status());
        }
    }

    @Test
    void aDateIsAddedWhenTheUpstreamSendsNone() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /api/v1/raw/nodate HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                    + "\r\n\r\n");
            Raw r = read(s.getInputStream(), false);
            assertEquals(200, r.status());
            assertTrue(r.header("Date").matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"),
                    r.header("Date"));
        }
    }

    @Test
    void anAnswerCutShortByTheUpstreamNeverLooksComplete() throws Exception {
        // with a length: the client gets fewer bytes and the connection ends
        try (Socket s = connect()) {
            send(s, "GET /api/v1/raw/cut HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader() + "\r\n\r\n");
            Raw r = read(s.getInputStream(), false);
            assertTrue(r.status() == 502 || !r.complete(), "cut answer passed as complete: " + r.status());
        }
        // chunked: no last chunk
        try (Socket s = connect()) {
            send(s, "GET /api/v1/raw/cut-chunked HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                    + "\r\n\r\n");
            Raw r = read(s.getInputStream(), false);
            assertTrue(r.status() == 502 || !r.complete(), "cut chunked answer passed as complete");
        }
        // small enough to be collected before answering: a JSON 502
        try (Socket s = connect()) {
            send(s, "GET /api/v1/raw/cut-small HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                    + "\r\n\r\n");
            Raw r = read(s.getInputStream(), false);
            assertEquals(502, r.status());
            assertEquals("bad_gateway", r.json().getString("error"));
        }
    }

    @Test
    void aClientThatLeavesEndsTheUpstreamRequest() throws Exception {
        RawUpstream.hangClosed = new CountDownLatch(1);
        try (Socket s = connect()) {
            send(s, "GET /api/v1/raw/hang HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                    + "\r\n\r\n");
            Thread.sleep(300);
        }
        // the route's timeout is 30 s: only the client's departure can end it this early
        assertTrue(RawUpstream.hangClosed.await(5, TimeUnit.SECONDS), "the upstream request outlived the client");
    }

    @Test
    void expectContinueIsAnsweredByTheGatewayAfterAuthentication() throws Exception {
        try (Socket s = connect()) {
            send(s, "PUT /api/v1/deployments/c HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + writer()
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            InputStream in = s.getInputStream();
            assertEquals("HTTP/1.1 100 Continue", line(in));
            assertEquals("", line(in));
            send(s, "hello");
            JsonObject echo = read(in, false).json();
            assertEquals(5, echo.getInteger("body_bytes"));
            assertNull(echo.getJsonObject("headers").getValue("expect"));
        }
        int before = UpstreamServer.hits("/api/v1/deployments/c2");
        try (Socket s = connect()) {
            send(s, "PUT /api/v1/deployments/c2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            Raw r = read(s.getInputStream(), false);
            assertEquals(401, r.status(), "no 100 Continue for a request without credentials");
        }
        assertEquals(before, UpstreamServer.hits("/api/v1/deployments/c2"));
    }

    @Test
    void chunkedRequestBodiesStreamToTheUpstream() throws Exception {
        try (Socket s = connect()) {
            send(s, "PUT /api/v1/deployments/chunked HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + writer()
                    + "\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[30_000];
            for (int i = 0; i < 10; i++) {
                send(s, Integer.toHexString(chunk.length) + "\r\n");
                s.getOutputStream().write(chunk);
                send(s, "\r\n");
            }
            send(s, "0\r\n\r\n");
            JsonObject echo = read(s.getInputStream(), false).json();
            assertEquals(300_000, echo.getInteger("body_bytes"));
        }
    }

    @Test
    void largeAndChunkedAnswersStreamToTheClient() throws Exception {
        try (Socket s = connect()) {
            InputStream in = s.getInputStream();
            send(s, "GET /api/v1/deployments/download/3000000 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + reader() + "\r\n\r\n");
            Raw r = read(in, false);
            assertEquals("3000000", r.header("Content-Length"));
            assertEquals(3_000_000, r.body().length);
            assertTrue(r.complete());
            // the same connection, an answer of unknown length: chunked to the client
            send(s, "GET /api/v1/deployments/download/1000000/chunked HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + reader() + "\r\n\r\n");
            r = read(in, false);
            assertEquals("chunked", r.header("Transfer-Encoding"));
            assertEquals(1_000_000, r.body().length);
            assertTrue(r.complete());
        }
    }

    @Test
    void headAndNoContentHaveNoBody() throws Exception {
        try (Socket s = connect()) {
            InputStream in = s.getInputStream();
            send(s, "HEAD /api/v1/deployments/head HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + reader() + "\r\n\r\n");
            Raw r = read(in, true);
            assertEquals(200, r.status());
            send(s, "GET /api/v1/deployments/nocontent HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + reader() + "\r\n\r\n");
            assertEquals(204, read(in, false).status());
            // and the connection is still in step: a normal request after both
            send(s, "GET /api/v1/deployments/after HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + reader() + "\r\n\r\n");
            assertEquals("/api/v1/deployments/after", read(in, false).json().getString("path"));
        }
    }

    @Test
    void onlySafeRequestsWithoutABodyAreRetriedAndOnlyOnce() throws Exception {
        // an upstream that drops the connection without answering (as a pooled connection closed under
        // the request looks): a GET is tried once more on a new connection, then 502
        int before = RawUpstream.DROPS.get();
        given().auth().oauth2(reader()).get("/api/v1/raw/drop").then().statusCode(502).body("error", equalTo("bad_gateway"));
        assertEquals(2, RawUpstream.DROPS.get() - before);
        // a POST may have been acted on: never retried
        before = RawUpstream.DROPS.get();
        given().auth().oauth2(writer()).contentType("application/json").body("{\"a\":1}").post("/api/v1/raw/drop")
                .then().statusCode(502);
        Thread.sleep(200);
        assertEquals(1, RawUpstream.DROPS.get() - before);
    }

    @Test
    void concurrentRequestsWithOneUncachedOpaqueCredentialShareOneIntrospection() throws Exception {
        String pat = UpstreamServer.active(dev.forgeauth.core.token.OpaqueTokens.PAT, "deployment:read");
        int n = 16;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            var start = new CountDownLatch(1);
            var results = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return given().auth().oauth2(pat).get("/api/v1/deployments").statusCode();
                }));
            }
            start.countDown();
            for (var r : results) {
                assertEquals(200, r.get(20, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        // the introspection answers after 300 ms: every request arrived while the first call was out
        assertEquals(1, UpstreamServer.INTROSPECTIONS.get(pat).get());
        given().auth().oauth2(pat).get("/api/v1/deployments").then().statusCode(200)
                .body("headers.'x-auth-token-type'", equalTo("pat"));
        assertEquals(1, UpstreamServer.INTROSPECTIONS.get(pat).get(), "then answered from the cache");
    }

    @Test
    void refusalsAreJsonWithARequestIdAndNotCached() {
        given().get("/api/v1/deployments").then().statusCode(401)
                .header("Content-Type", "application/json")
                .header("Cache-Control", "no-store")
                .header("X-Request-Id", org.hamcrest.Matchers.matchesPattern("[0-9a-f-]{36}"))
                .body("error", equalTo("invalid_token"));
        given().get("/nothing/here").then().statusCode(404).body("error", equalTo("not_found"));
    }
}
