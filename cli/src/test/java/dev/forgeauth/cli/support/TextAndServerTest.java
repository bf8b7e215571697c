package dev.forgeauth.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TextAndServerTest {

    @Test
    void durations() {
        assertEquals(90, Text.seconds("90", "x"));
        assertEquals(90, Text.seconds("90s", "x"));
        assertEquals(900, Text.seconds("15m", "x"));
        assertEquals(43200, Text.seconds("12h", "x"));
        assertEquals(604800, Text.seconds("7d", "x"));
        assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> Text.seconds("soon", "x")).exitCode());
        assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> Text.seconds("-1", "x")).exitCode());
    }

    @Test
    void oneLineMessages() {
        assertEquals("a [31mb", Text.oneLine("a\n\u001b[31mb"), "no escape character reaches the terminal");
    }

    @Test
    void servers() {
        assertEquals("http://localhost:8080", Ctx.normaliseServer("http://localhost:8080/"));
        assertEquals("https://auth.example.com/base", Ctx.normaliseServer(" https://auth.example.com/base// "));
        for (String bad : new String[] {"localhost:8080", "ftp://x", "http://", "http://u:p@x", "http://x?y"}) {
            assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> Ctx.normaliseServer(bad)).exitCode(), bad);
        }
    }

    @Test
    void cacheKeysDependOnEveryPartAndScopesAreNormalised() {
        assertEquals("a b", ClientTokens.normaliseScope(" b a  b "));
        String k = ClientTokens.key("http://s", "c", "a b", "secret");
        assertNotEquals(k, ClientTokens.key("http://s", "c", "a b", "secret2"));
        assertNotEquals(k, ClientTokens.key("http://s", "c", "a", "secret"));
        assertNotEquals(k, ClientTokens.key("http://t", "c", "a b", "secret"));
        assertFalse(k.contains("secret"));
    }

    @Test
    void cachedTokensNeedEnoughLifeLeft() {
        var entry = Json.object().put("obtained_at", 1000).put("expires_at", 4600);
        entry.putObject("response").put("access_token", "t");
        assertTrue(ClientTokens.usable(entry, 4000));
        assertFalse(ClientTokens.usable(entry, 4550), "less than a minute left");
        var shortLived = Json.object().put("obtained_at", 1000).put("expires_at", 1030);
        shortLived.putObject("response").put("access_token", "t");
        assertTrue(ClientTokens.usable(shortLived, 1010));
        assertFalse(ClientTokens.usable(shortLived, 1016), "less than half of its 30 s left");
    }

    @Test
    void serverErrorsBecomeOneLine() {
        var h = java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true);
        CliException e = new Http.Response(401, h, "{\"error\":\"invalid_client\",\"error_description\":\"Client\\nauthentication failed\"}",
                "POST", "http://x/oauth/token").failure();
        assertEquals("Client authentication failed (invalid_client, HTTP 401)", e.getMessage());
        assertEquals(CliException.AUTH, e.exitCode());
        CliException html = new Http.Response(502, h, "<html>bad</html>", "GET", "http://x/api").failure();
        assertEquals("HTTP 502 from GET http://x/api", html.getMessage());
        assertEquals(CliException.ERROR, html.exitCode());
    }
}
