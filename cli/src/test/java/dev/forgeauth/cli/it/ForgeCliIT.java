package dev.forgeauth.cli.it;

import dev.forgeauth.testing.ServiceProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real {@code forge} CLI (the packaged jar, one process per command) against the real services
 * (packaged, one process each) through the gateway: client-credentials minting with its cache,
 * inspection, revocation, the PAT lifecycle with a password login, the device login approved on the
 * /device page, denied and expired, the config files' modes, and secrets refused as arguments.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForgeCliIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    static final Pattern USER_CODE = Pattern.compile("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}");
    static final String USER_EMAIL = "cli-user@example.com";
    static final String USER_PASSWORD = "amber-lantern-orchard-71";
    static final String CLI_CLIENT = "it-forge-cli";

    static Stack stack;
    static Cli cli;
    static Map<String, String> admin;
    static String billingId;
    static String billingSecret;
    static String userId;

    @BeforeAll
    static void start() throws Exception {
        stack = Stack.start();
        Path dir = ServiceProcess.logDir().resolve("config-main");
        deleteTree(dir);
        cli = new Cli(dir, stack.gatewayUrl());
        admin = Map.of("FORGE_ADMIN_CLIENT_ID", Stack.ADMIN_ID, "FORGE_CLIENT_SECRET", stack.adminSecret);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    // ---------------------------------------------------------------------------------------- helpers

    static Cli.Result ok(Cli.Result r) {
        clean(r);
        assertEquals(0, r.exit(), r.describe());
        return r;
    }

    static Cli.Result fails(int exit, Cli.Result r) {
        clean(r);
        assertEquals(exit, r.exit(), r.describe());
        assertEquals(1, r.err().strip().lines().count(), "one line on stderr: " + r.describe());
        assertTrue(r.err().startsWith("forge: "), r.describe());
        return r;
    }

    /** No stack trace, ever. */
    static void clean(Cli.Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "a stack trace: " + r.describe());
    }

    static JsonNode json(Cli.Result r) throws Exception {
        return JSON.readTree(r.out());
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static JsonNode profile(Cli c, String name) throws Exception {
        return JSON.readTree(Files.readString(c.forgeDir().resolve("profiles/" + name + ".json")));
    }

    /** The echo upstream's view of a GET through the gateway with a token in FORGE_TOKEN. */
    static JsonNode echo(Cli c, String token) throws Exception {
        return json(ok(c.run(env("FORGE_TOKEN", token), "api", "/api/v1/deployments")));
    }

    /** The introspection answer for a token, through {@code forge token inspect} as the admin client. */
    static JsonNode introspect(String token) throws Exception {
        return json(ok(cli.run(env("FORGE_CLIENT_SECRET", stack.adminSecret), "token", "inspect", token,
                "--client-id", Stack.ADMIN_ID, "-o", "json"))).path("introspection");
    }

    /** A PAT at the gateway: accepted on a read, refused (403) on a write it has no scope for. */
    static void patThroughTheGateway(String pat) throws Exception {
        JsonNode seen = echo(cli, pat);
        assertEquals("pat", seen.at("/headers/x-auth-token-type").asText(), seen.toString());
        assertEquals(userId, seen.at("/headers/x-auth-subject").asText());
        Cli.Result write = fails(1, cli.run(env("FORGE_TOKEN", pat), "api", "POST", "/api/v1/deployments",
                "--data", "{\"name\":\"web\"}"));
        assertTrue(write.err().contains("insufficient_scope"), write.describe());
    }

    static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void aSecretIsNeverAcceptedAsAnArgument() throws Exception {
        Cli.Result r = fails(2, cli.run("token", "mint", "--client-id", Stack.ADMIN_ID, "--client-secret", stack.adminSecret));
        assertEquals("", r.out());
        assertTrue(r.err().contains("FORGE_CLIENT_SECRET") && r.err().contains("--client-secret-stdin"), r.describe());
        assertFalse(r.err().contains(stack.adminSecret), "the secret is not echoed");

        fails(2, cli.run("token", "mint", "--client-id", Stack.ADMIN_ID)); // no secret anywhere

        Cli.Result pw = fails(2, cli.run(admin, "admin", "user", "create", "--email", "nope@example.com",
                "--password", "plain-argument-password-1"));
        assertTrue(pw.err().contains("--password-stdin"), pw.describe());
        assertFalse(ok(cli.run(admin, "admin", "user", "list")).out().contains("nope@example.com"), "nothing created");
    }

    @Test
    @Order(2)
    void mintPrintsJustTheTokenAndReusesItUntilNearExpiry() throws Exception {
        JsonNode client = json(ok(cli.run(admin, "admin", "client", "create", "--name", "it-billing",
                "--scope", "deployment:read deployment:write", "-o", "json")));
        billingId = client.get("client_id").asText();
        billingSecret = client.get("client_secret").asText();
        Map<String, String> secret = env("FORGE_CLIENT_SECRET", billingSecret);

        Cli.Result first = ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read"));
        String token = first.out().strip();
        assertTrue(JWT.matcher(token).matches(), "just the token: " + first.describe());
        assertEquals(1, first.out().lines().count());
        assertEquals("", first.err());

        assertEquals(token, ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read"))
                .out().strip(), "cached");
        String fresh = ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read",
                "--no-cache")).out().strip();
        assertNotEquals(token, fresh, "--no-cache asks the server");

        JsonNode answer = json(ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read",
                "--json")));
        assertEquals(token, answer.get("access_token").asText());
        assertEquals("Bearer", answer.get("token_type").asText());
        assertEquals("deployment:read", answer.get("scope").asText());
        assertTrue(answer.get("expires_in").asLong() > 3000 && answer.get("expires_in").asLong() <= 3600, answer.toString());

        // the secret on standard input instead of the environment
        assertEquals(token, ok(cli.input(Map.of(), billingSecret + "\n", "token", "mint", "--client-id", billingId,
                "--scope", "deployment:read", "--client-secret-stdin")).out().strip());

        // a wrong secret never gets the cached token: not authenticated
        Cli.Result wrong = fails(3, cli.run(env("FORGE_CLIENT_SECRET", "wrong"), "token", "mint", "--client-id", billingId,
                "--scope", "deployment:read"));
        assertTrue(wrong.err().contains("invalid_client"), wrong.describe());

        Path cache = cli.forgeDir().resolve("cache");
        assertEquals("rwx------", mode(cli.forgeDir()));
        assertEquals("rwx------", mode(cache));
        try (var files = Files.list(cache)) {
            for (Path f : files.toList()) {
                assertEquals("rw-------", mode(f), f.toString());
                assertFalse(Files.readString(f).contains(billingSecret), "the secret is never stored");
            }
        }

        // the token works at the gateway: the echo upstream sees the identity, not the token
        JsonNode seen = echo(cli, token);
        assertEquals(billingId, seen.at("/headers/x-auth-client-id").asText(), seen.toString());
        assertEquals("jwt", seen.at("/headers/x-auth-token-type").asText());
        assertTrue(seen.at("/headers/authorization").isMissingNode(), seen.toString());
    }

    @Test
    @Order(3)
    void inspectDecodesAndIntrospects() throws Exception {
        Map<String, String> secret = env("FORGE_CLIENT_SECRET", billingSecret);
        String token = ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read"))
                .out().strip();
        Map<String, String> adminSecret = env("FORGE_CLIENT_SECRET", stack.adminSecret);

        JsonNode j = json(ok(cli.run(adminSecret, "token", "inspect", token, "--client-id", Stack.ADMIN_ID, "-o", "json")));
        assertEquals("at+jwt", j.at("/header/typ").asText(), j.toString());
        assertFalse(j.at("/header/kid").asText().isEmpty());
        assertEquals(billingId, j.at("/claims/client_id").asText());
        assertEquals(stack.gatewayUrl(), j.at("/claims/iss").asText());
        assertTrue(j.at("/introspection/active").asBoolean(), j.toString());
        assertEquals("jwt", j.at("/introspection/forge_token_kind").asText());

        String table = ok(cli.run(adminSecret, "token", "inspect", token, "--client-id", Stack.ADMIN_ID)).out();
        for (String s : new String[] {"Header", "Claims", "Introspection", "typ", "at+jwt", "active", "exp"}) {
            assertTrue(table.contains(s), s + " in:\n" + table);
        }

        // decoding alone needs no caller; the token may come on standard input (not in ps)
        Cli.Result decoded = ok(cli.input(Map.of(), token, "token", "inspect", "-", "--no-introspect", "-o", "json"));
        assertEquals(billingId, json(decoded).at("/claims/client_id").asText());
        assertTrue(json(decoded).at("/introspection").isMissingNode());
    }

    @Test
    @Order(4)
    void revokeMakesTheTokenInactiveEverywhere() throws Exception {
        Map<String, String> secret = env("FORGE_CLIENT_SECRET", billingSecret);
        String token = ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read"))
                .out().strip();
        echo(cli, token);

        ok(cli.run(secret, "token", "revoke", token, "--client-id", billingId));
        Thread.sleep(1000); // the contract: effective at the gateway within 1 s

        JsonNode j = json(ok(cli.run(env("FORGE_CLIENT_SECRET", stack.adminSecret), "token", "inspect", token,
                "--client-id", Stack.ADMIN_ID, "-o", "json")));
        assertFalse(j.at("/introspection/active").asBoolean(), j.toString());
        fails(3, cli.run(env("FORGE_TOKEN", token), "api", "/api/v1/deployments"));

        String next = ok(cli.run(secret, "token", "mint", "--client-id", billingId, "--scope", "deployment:read"))
                .out().strip();
        assertNotEquals(token, next, "a revoked token is dropped from the cache");
    }

    @Test
    @Order(5)
    void patLifecycleWithAPasswordLogin() throws Exception {
        JsonNode user = json(ok(cli.input(admin, USER_PASSWORD + "\n", "admin", "user", "create", "--email", USER_EMAIL,
                "--scope", "deployment:read", "--scope", "deployment:write", "--password-stdin", "-o", "json")));
        userId = user.get("id").asText();

        Cli.Result login = ok(cli.input(Map.of(), USER_PASSWORD + "\n", "login", "--password", "--email", USER_EMAIL,
                "--password-stdin", "--profile", "pw"));
        assertTrue(login.err().contains("Logged in"), login.describe());
        Path file = cli.forgeDir().resolve("profiles/pw.json");
        assertEquals("rw-------", mode(file));
        assertEquals("rwx------", mode(file.getParent()));
        JsonNode stored = profile(cli, "pw");
        assertEquals("password", stored.at("/login/kind").asText());
        assertFalse(Files.readString(file).contains(USER_PASSWORD), "the password is never stored");

        Cli.Result created = ok(cli.run("pat", "create", "--name", "it-pat", "--scope", "deployment:read",
                "--expires-in-days", "7", "-q", "--profile", "pw"));
        String pat = created.out().strip();
        assertTrue(pat.matches("dfpat_[0-9A-Za-z]{38}"), created.describe());
        assertTrue(created.err().isEmpty(), "-q prints only the token");
        assertNotEquals(stored.at("/login/refresh_token").asText(), profile(cli, "pw").at("/login/refresh_token").asText(),
                "the 30 s login token was refreshed (and the refresh token rotated) before the call");

        JsonNode list = json(ok(cli.run("pat", "list", "-o", "json", "--profile", "pw")));
        assertEquals(1, list.size(), list.toString());
        assertEquals("it-pat", list.get(0).get("name").asText());
        assertTrue(list.get(0).path("token").isMissingNode(), "never the value again");
        String patId = list.get(0).get("id").asText();
        assertTrue(ok(cli.run("pat", "list", "--profile", "pw")).out().contains("it-pat"));

        JsonNode info = introspect(pat);
        assertTrue(info.path("active").asBoolean(), info.toString());
        assertEquals("pat", info.path("forge_token_kind").asText());
        assertEquals(userId, info.path("sub").asText());
        assertEquals("deployment:read", info.path("scope").asText());
        patThroughTheGateway(pat);

        // the login itself works through the gateway too, and shows up as this session
        assertEquals(userId,
                json(ok(cli.run("api", "/api/v1/deployments", "--profile", "pw"))).at("/headers/x-auth-subject").asText());
        assertTrue(ok(cli.run("session", "list", "--profile", "pw")).out().contains("*"));

        // API keys: create, rotate (old key stops at once with grace 0), list, delete
        String key = ok(cli.run("apikey", "create", "--name", "it-key", "--scope", "deployment:read", "-q",
                "--profile", "pw")).out().strip();
        assertTrue(key.startsWith("sk_live_"), key);
        String keyId = json(ok(cli.run("apikey", "list", "-o", "json", "--profile", "pw"))).get(0).get("id").asText();
        String rotated = ok(cli.run("apikey", "rotate", keyId, "--grace-period", "0", "-q", "--profile", "pw")).out().strip();
        assertTrue(rotated.startsWith("sk_live_") && !rotated.equals(key), rotated);
        assertEquals("api_key", introspect(rotated).path("forge_token_kind").asText());
        assertEquals("api_key", echo(cli, rotated).at("/headers/x-auth-token-type").asText());
        assertFalse(introspect(key).path("active").asBoolean(), "grace period 0: the old key stopped");
        JsonNode keys = json(ok(cli.run("apikey", "list", "-o", "json", "--profile", "pw")));
        for (JsonNode k : keys) {
            ok(cli.run("apikey", "delete", k.get("id").asText(), "--profile", "pw"));
        }

        ok(cli.run("pat", "delete", patId, "--profile", "pw"));
        assertEquals(0, json(ok(cli.run("pat", "list", "-o", "json", "--profile", "pw"))).size());
        Thread.sleep(1000);
        assertFalse(introspect(pat).path("active").asBoolean(), "a deleted PAT is inactive");
        fails(3, cli.run(env("FORGE_TOKEN", pat), "api", "/api/v1/deployments")); // and refused at the gateway

        String lastAccess = profile(cli, "pw").at("/login/access_token").asText();
        ok(cli.run("logout", "--profile", "pw"));
        assertFalse(Files.exists(file), "logout deletes the stored login");
        fails(3, cli.run("status", "--profile", "pw"));
        Thread.sleep(1000);
        fails(3, cli.run(env("FORGE_TOKEN", lastAccess), "api", "/api/v1/deployments"));
    }

    @Test
    @Order(6)
    void deviceLoginApprovedOnTheDevicePage() throws Exception {
        ok(cli.run(admin, "admin", "client", "create", "--client-id", CLI_CLIENT, "--name", "forge CLI", "--public",
                "--grant", "device_code", "--grant", "refresh_token", "--scope", "deployment:read",
                "--access-token-ttl", "30"));

        Path home = ServiceProcess.logDir().resolve("config-device");
        deleteTree(home);
        Cli device = new Cli(home, stack.gatewayUrl());
        String cookie = DevicePage.signIn(stack.gatewayUrl(), USER_EMAIL, USER_PASSWORD);
        Cli.Result done;
        try (Cli.Running login = device.start(Map.of(), "login", "--client-id", CLI_CLIENT)) {
            String url = login.awaitErrLine(l -> l.startsWith("To log in, open "), Duration.ofSeconds(30));
            assertTrue(url.contains(stack.gatewayUrl() + "/device?user_code="), url);
            String line = login.awaitErrLine(l -> USER_CODE.matcher(l).find(), Duration.ofSeconds(10));
            Matcher m = USER_CODE.matcher(line);
            assertTrue(m.find());
            Thread.sleep(1500); // let it poll (authorization_pending) at least once
            DevicePage.decide(stack.gatewayUrl(), cookie, m.group(), "approve");
            done = login.await(Duration.ofSeconds(30));
        }
        ok(done);
        assertTrue(done.err().contains("Logged in to " + stack.gatewayUrl()), done.describe());

        Path file = device.forgeDir().resolve("profiles/default.json");
        assertEquals("rw-------", mode(file));
        assertEquals("rwx------", mode(file.getParent()));
        assertEquals("rwx------", mode(device.forgeDir()));
        JsonNode stored = profile(device, "default");
        assertEquals("device", stored.at("/login/kind").asText());
        assertEquals(CLI_CLIENT, stored.at("/login/client_id").asText());
        assertEquals("deployment:read", stored.at("/login/scope").asText());
        assertTrue(stored.at("/login/refresh_token").asText().startsWith("df_rt_"), stored.toString());
        assertEquals(stack.gatewayUrl(), stored.at("/server").asText());

        JsonNode seen = json(ok(device.run("api", "/api/v1/deployments")));
        assertEquals(CLI_CLIENT, seen.at("/headers/x-auth-client-id").asText(), seen.toString());
        assertEquals(userId, seen.at("/headers/x-auth-subject").asText());
        JsonNode after = profile(device, "default");
        assertNotEquals(stored.at("/login/refresh_token").asText(), after.at("/login/refresh_token").asText(),
                "a token with less than a minute left is refreshed (grant_type=refresh_token) before use");
        assertEquals("device", json(ok(device.run("status", "-o", "json"))).get("kind").asText());

        // the server manages credentials only for its own logins: forge says what to do
        Cli.Result pat = fails(3, device.run("pat", "list"));
        assertTrue(pat.err().contains("forge login --password"), pat.describe());

        String access = profile(device, "default").at("/login/access_token").asText();
        ok(device.run("logout"));
        assertFalse(Files.exists(file));
        Thread.sleep(1000);
        fails(3, device.run(env("FORGE_TOKEN", access), "api", "/api/v1/deployments"));
    }

    @Test
    @Order(7)
    void deviceLoginDenied() throws Exception {
        String cookie = DevicePage.signIn(stack.gatewayUrl(), USER_EMAIL, USER_PASSWORD);
        Cli.Result done;
        try (Cli.Running login = cli.start(Map.of(), "login", "--client-id", CLI_CLIENT, "--profile", "denied")) {
            Matcher m = USER_CODE.matcher(login.awaitErrLine(l -> USER_CODE.matcher(l).find(), Duration.ofSeconds(30)));
            assertTrue(m.find());
            DevicePage.decide(stack.gatewayUrl(), cookie, m.group(), "deny");
            done = login.await(Duration.ofSeconds(30));
        }
        clean(done);
        assertEquals(3, done.exit(), done.describe());
        assertTrue(done.err().strip().lines().reduce((a, b) -> b).orElse("").contains("denied"), done.describe());
        assertFalse(Files.exists(cli.forgeDir().resolve("profiles/denied.json")));
    }

    @Test
    @Order(8)
    void deviceLoginExpired() throws Exception {
        Cli.Result done;
        try (Cli.Running login = cli.start(Map.of(), "login", "--client-id", CLI_CLIENT, "--profile", "expired")) {
            Matcher m = USER_CODE.matcher(login.awaitErrLine(l -> USER_CODE.matcher(l).find(), Duration.ofSeconds(30)));
            assertTrue(m.find());
            try (Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.infra.pgUser, stack.infra.pgPassword);
                    PreparedStatement st = c.prepareStatement(
                            "UPDATE device_code SET expires_at = now() - interval '1 second' WHERE user_code = ?")) {
                st.setString(1, m.group());
                assertEquals(1, st.executeUpdate());
            }
            done = login.await(Duration.ofSeconds(30));
        }
        clean(done);
        assertEquals(3, done.exit(), done.describe());
        assertTrue(done.err().contains("expired"), done.describe());
    }

    @Test
    @Order(9)
    void adminClientsUsersAndKeys() throws Exception {
        String table = ok(cli.run(admin, "admin", "client", "list")).out();
        assertTrue(table.contains(billingId) && table.contains(CLI_CLIENT) && table.contains("public"), table);

        String newSecret = ok(cli.run(admin, "admin", "client", "rotate-secret", billingId, "-q")).out().strip();
        assertNotEquals(billingSecret, newSecret);
        fails(3, cli.run(env("FORGE_CLIENT_SECRET", billingSecret), "token", "mint", "--client-id", billingId, "--no-cache"));
        ok(cli.run(env("FORGE_CLIENT_SECRET", newSecret), "token", "mint", "--client-id", billingId));

        Cli.Result keys = ok(cli.run(admin, "admin", "keys", "rotate"));
        assertTrue(keys.out().contains("KID") && keys.out().contains("RS256"), keys.describe());

        assertTrue(ok(cli.run(admin, "admin", "user", "list")).out().contains(USER_EMAIL));
        ok(cli.run(admin, "admin", "user", "delete", USER_EMAIL));
        assertFalse(ok(cli.run(admin, "admin", "user", "list")).out().contains(USER_EMAIL));

        ok(cli.run(admin, "admin", "client", "delete", billingId));
        fails(1, cli.run(admin, "admin", "client", "delete", billingId)); // 404, said in one line
        assertFalse(ok(cli.run(admin, "admin", "client", "list", "-o", "json")).out().contains(billingId));
    }

    @Test
    @Order(10)
    void errorsAreOneLineAndCompletionIsGenerated() throws Exception {
        int closed = dev.forgeauth.testing.LocalInfra.freePort();
        Cli.Result down = fails(1, cli.run(env("FORGE_CLIENT_SECRET", "x"), "token", "mint", "--client-id", "c",
                "--server", "http://127.0.0.1:" + closed));
        assertTrue(down.err().contains("cannot reach"), down.describe());

        fails(3, cli.run("api", "/api/v1/deployments")); // no login in the default profile
        fails(2, cli.run("api", "GET", "api/v1/deployments"));

        String completion = ok(cli.run("completion")).out();
        assertTrue(completion.contains("complete -F") && completion.contains("token"), completion.substring(0, 200));
        assertTrue(ok(cli.run("admin", "client", "create", "--help")).out().contains("Examples:"));
    }
}
