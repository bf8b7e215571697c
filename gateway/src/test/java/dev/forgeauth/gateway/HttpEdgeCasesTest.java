package dev.forgeauth.gateway;

import static dev.forgeauth.gateway.ProxyTest.read;
import static dev.forgeauth.gateway.ProxyTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.gateway.ProxyTest.Raw;
import dev.forgeauth.gateway.support.UpstreamServer;
import dev.forgeauth.testing.TestKeys;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * What a front door must not let through although the HTTP codec would: path parameters that servers
 * behind it read as dot segments, bytes that are not HTTP, two hosts, header names a CGI upstream reads
 * as another name. Over raw sockets, so that nothing is normalised or refused by the client first; every
 * refusal is the contract's JSON.
 */
@QuarkusTest
class HttpEdgeCasesTest {

    @TestHTTPResource("/")
    URL base;

    static String reader() {
        return TestKeys.token().scope("deployment:read").build();
    }

    Raw exchange(String request) throws IOException {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            send(s, request);
            return read(s.getInputStream(), false);
        }
    }

    static void assertInvalidRequestJson(Raw r, String what) {
        assertEquals(400, r.status(), what + " answered " + r.status());
        assertEquals("application/json", r.header("Content-Type"), what);
        JsonObject j = r.json();
        assertEquals("invalid_request", j.getString("error"), what);
        assertTrue(j.getString("error_description") != null && !j.getString("error_description").isBlank(), what);
    }

    @Test
    void dotSegmentsInPathParametersNeverReachAnUpstream() throws Exception {
        // Tomcat, Jetty and Spring read /deployments/..;/infrastructure/x as /infrastructure/x: a scope bypass
        String token = reader(); // deployment:read only
        String[] attempts = {"/api/v1/deployments/..;/infrastructure/x", "/api/v1/deployments/..;x=1/infrastructure/x",
                "/api/v1/deployments/%2e%2e;/infrastructure/x", "/api/v1/deployments/%2E%2E;/infrastructure/x",
                "/api/v1/deployments/.;/x", "/api/v1/deployments/%2e;/x", "/api/v1/deployments/.%2e;/infrastructure/x",
                "/api/v1/matrix/..;/deployments", "/api/v1/matrix/%2e%2e;jsessionid=1/x"};
        for (String path : attempts) {
            int before = UpstreamServer.totalHits();
            Raw r = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n");
            assertInvalidRequestJson(r, path);
            assertEquals(before, UpstreamServer.totalHits(), path + " reached an upstream");
        }
    }

    @Test
    void pathParametersAreRefusedUnlessTheRouteAllowsThem() throws Exception {
        String token = reader();
        int before = UpstreamServer.hits("/api/v1/deployments");
        Raw r = exchange("GET /api/v1/deployments/a;v=2/x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n");
        assertInvalidRequestJson(r, "matrix parameter on a route without matrix-parameters");
        assertEquals(before, UpstreamServer.hits("/api/v1/deployments"));
        // a route that allows them passes them on as they are
        r = exchange("GET /api/v1/matrix/a;v=2/b HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("/api/v1/matrix/a;v=2/b", r.json().getString("path"));
    }

    @Test
    void bytesThatAreNotHttpAreAJson400() throws Exception {
        String auth = "Authorization: Bearer " + reader() + "\r\n";
        String[][] cases = {
            {"backslash in a header name", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\n" + auth + "X\\Auth: 1\r\n\r\n"},
            {"bare CR in a header value", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\n" + auth + "X-A: a\rb\r\n\r\n"},
            {"bare LF ending a header", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\n" + auth + "X-A: a\nX-B: b\r\n\r\n"},
            {"bare LF everywhere", "GET /api/v1/deployments HTTP/1.1\nHost: localhost\n" + auth.replace("\r", "") + "\n"},
            {"space before the colon", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\n" + auth + "X-A : 1\r\n\r\n"},
            {"NUL in a header value", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\n" + auth + "X-A: a\0b\r\n\r\n"},
            {"backslash in the Host", "GET /api/v1/deployments HTTP/1.1\r\nHost: evil.example\\@localhost\r\n" + auth + "\r\n"},
            {"two Host headers", "GET /api/v1/deployments HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n" + auth + "\r\n"},
        };
        for (String[] c : cases) {
            int before = UpstreamServer.totalHits();
            assertInvalidRequestJson(exchange(c[1]), c[0]);
            assertEquals(before, UpstreamServer.totalHits(), c[0] + " reached an upstream");
        }
        // and the gateway's own endpoints are covered too (nothing of this reaches any route)
        assertInvalidRequestJson(exchange("GET /q/health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "two Hosts at /q");
    }

    @Test
    void headersSpelledWithUnderscoresNeverReachUpstreams() throws Exception {
        // CGI, WSGI, PHP and Rack read X_Auth_Scopes as X-Auth-Scopes (both are HTTP_X_AUTH_SCOPES)
        Raw r = exchange("GET /api/v1/deployments/u HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + reader()
                + "\r\nX_Auth_Scopes: deployment:write admin\r\nX_AUTH_SUBJECT: admin\r\nX-Auth_Token-Type: pat\r\n"
                + "Some_Header: 1\r\nX-Kept: yes\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status());
        JsonObject h = r.json().getJsonObject("headers");
        for (String gone : new String[] {"x_auth_scopes", "x_auth_subject", "x-auth_token-type", "some_header"}) {
            assertNull(h.getValue(gone), gone + " reached the upstream");
        }
        assertEquals("deployment:read", h.getString("x-auth-scopes"));
        assertEquals("yes", h.getString("x-kept"));
        // on public routes too
        r = exchange("GET /.well-known/u HTTP/1.1\r\nHost: localhost\r\nX_Auth_Subject: admin\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status());
        assertNull(r.json().getJsonObject("headers").getValue("x_auth_subject"));
    }
}
