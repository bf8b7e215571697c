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

    @Test
    void serverStringsNeverCarryTerminalControlsToTheScreen() {
        String evil = "ok\u001b]0;pwned\u0007 \u009b2J \u202egnp.exe\u007f\r\nnext";
        for (String shown : new String[] {Text.oneLine(evil), Text.clean(evil), Text.safe(evil)}) {
            for (char c : shown.toCharArray()) {
                assertTrue(c == '\n' || c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f) && (c < 0x202a || c > 0x202e),
                        "control U+" + Integer.toHexString(c) + " in " + shown);
            }
        }
        assertEquals("ok ]0;pwned   2J  gnp.exe \nnext", Text.safe(evil), "lines stay, controls become spaces");
        assertEquals("ok ]0;pwned   2J  gnp.exe next", Text.oneLine(evil));
    }

    @Test
    void jsonOutputEscapesTerminalControlsButKeepsTheData() {
        var o = Json.object().put("client_name", "a\u001b[31m\u009b2J\u202eb\u007fc");
        String shown = Json.pretty(o);
        assertTrue(shown.chars().noneMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f || c == 0x202e), shown);
        assertTrue(shown.contains("\\u009b") && shown.contains("\\u202e") && shown.contains("\\u001B"), shown);
        assertEquals(o, Json.parse(shown), "a script reads the same values");
    }

    @Test
    void plainHttpIsRefusedToAnythingButThisMachine() {
        for (String remote : new String[] {"http://auth.example.com", "http://10.0.0.7:8080", "http://[2001:db8::1]:8080",
                "http://localhost.evil.example", "http://127.0.0.1.nip.io"}) {
            CliException e = assertThrows(CliException.class, () -> Ctx.checkTransport(remote, false), remote);
            assertEquals(CliException.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("--insecure-http"), e.getMessage());
            Ctx.checkTransport(remote, true);
        }
        for (String fine : new String[] {"https://auth.example.com", "http://localhost:8080", "http://127.0.0.1:8080",
                "http://127.1.2.3", "http://[::1]:8080", "http://LOCALHOST"}) {
            Ctx.checkTransport(fine, false);
        }
    }
}
