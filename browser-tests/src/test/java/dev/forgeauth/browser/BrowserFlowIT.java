package dev.forgeauth.browser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forgeauth.testing.LocalInfra;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The browser pages end to end in headless Chromium: the packaged auth-service on its own database, then
 * {@code flow.mjs} (playwright-core driving /usr/bin/chromium) signs a TOTP user in through the
 * authorization code flow, consents, exchanges the code, and creates a personal access token on the
 * account page. Skipped, with a message, only where Chromium or node is missing.
 */
class BrowserFlowIT {

    static final Path CHROMIUM = Path.of(System.getProperty("browser.chromium", "/usr/bin/chromium"));
    static final String NODE = System.getProperty("browser.node", "node");
    static final String DB = "forge_browser_it";
    static final String ADMIN = "browser-it-admin";
    static final String ADMIN_SECRET = "browser-it-admin-secret-" + System.nanoTime();
    static final Duration FLOW_TIMEOUT = Duration.ofMinutes(3);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Path dir;
    static Path target;
    static Process service;
    static String base;

    /** Chromium and node, or the test is skipped with a message; then the npm packages, installed when missing. */
    static void tools() throws Exception {
        skipUnless(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM
                + " (apt-get install chromium; .ci/run installs it)");
        String version = version(NODE);
        skipUnless(version != null, "no node (" + NODE + ") on the PATH; Node.js 20 or newer runs flow.mjs");
        System.out.println("browser-tests: node " + version + ", " + CHROMIUM);

        dir = Path.of(System.getProperty("browser.dir", ".")).toAbsolutePath().normalize();
        target = dir.resolve("target");
        Files.createDirectories(target);
        if (!Files.isDirectory(dir.resolve("node_modules").resolve("playwright-core"))
                || !Files.isDirectory(dir.resolve("node_modules").resolve("oauth4webapi"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), target.resolve("npm-ci.log"),
                    Duration.ofMinutes(5), "npm ci");
        }
    }

    /** The packaged auth-service on a free port and a database of its own, over plain http. */
    static void startService() throws Exception {
        Path jar = Path.of(System.getProperty("forge.app.jar", "../auth-service/target/quarkus-app/quarkus-run.jar"));
        assertTrue(Files.isRegularFile(jar), "auth-service is not packaged (" + jar
                + "): ./mvnw -B -q install -DskipTests -pl auth-service -am");

        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        int port = LocalInfra.freePort();
        base = "http://127.0.0.1:" + port;
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx256m", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(target.resolve("browser-auth-service.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("FORGE_PG_HOST", infra.pgHost);
        env.put("FORGE_PG_PORT", String.valueOf(infra.pgPort));
        env.put("FORGE_PG_USER", infra.pgUser);
        env.put("FORGE_PG_PASSWORD", infra.pgPassword);
        env.put("FORGE_PG_DATABASE", DB);
        env.put("FORGE_REDIS_HOST", infra.redisHost);
        env.put("FORGE_REDIS_PORT", String.valueOf(infra.redisPort));
        env.put("FORGE_KEK", Base64.getEncoder().encodeToString(kek));
        env.put("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN);
        env.put("FORGE_BOOTSTRAP_CLIENT_SECRET", ADMIN_SECRET);
        env.put("FORGE_KEYS_PUBLISH_DELAY", "0s");
        env.put("FORGE_AUTH_PORT", String.valueOf(port));
        env.put("FORGE_ISSUER", base);
        env.put("FORGE_SESSION_SECURE_COOKIE", "false"); // plain http: a Secure cookie would never be sent back
        env.put("FORGE_SHUTDOWN_DELAY", "0s");
        service = pb.start();
        awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            if (!service.waitFor(20, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    @Test
    void signInWithTotpConsentAndCreateATokenOnTheAccountPage() throws Exception {
        tools();
        startService();
        Path shots = dir.resolve(System.getProperty("browser.screenshots", "target/screenshots")).normalize();
        Files.createDirectories(shots);
        List<String> names = List.of("login", "mfa", "consent", "account");
        for (String n : names) {
            Files.deleteIfExists(shots.resolve(n + ".png"));
        }
        long t0 = System.nanoTime();
        String output = run(List.of(NODE, "flow.mjs"), Map.of(
                "BASE_URL", base,
                "ADMIN_CLIENT_ID", ADMIN,
                "ADMIN_CLIENT_SECRET", ADMIN_SECRET,
                "CHROMIUM_PATH", CHROMIUM.toString(),
                "SCREENSHOT_DIR", shots.toString()), target.resolve("browser-flow.log"), FLOW_TIMEOUT, "node flow.mjs");
        System.out.printf("browser-tests: flow.mjs passed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertTrue(output.contains("all checks passed"), output);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        for (String n : names) {
            Path f = shots.resolve(n + ".png");
            assertTrue(Files.isRegularFile(f), "screenshot " + f);
            assertArrayEquals(png, Arrays.copyOf(Files.readAllBytes(f), 4), "a PNG: " + f);
        }
    }

    static void skipUnless(boolean present, String missing) {
        if (!present) {
            System.out.println("browser-tests: SKIPPED: " + missing);
        }
        assumeTrue(present, "SKIPPED: " + missing);
    }

    /** Runs a command in the module directory; its output goes to the log and to stdout; fails unless it exits 0. */
    static String run(List<String> command, Map<String, String> env, Path log, Duration timeout, String what)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.print(output);
        if (!done) {
            fail(what + " did not finish within " + timeout.toSeconds() + " s; output (" + log + "):\n" + tail(output));
        }
        assertEquals(0, p.exitValue(), () -> what + " failed; output (" + log + "):\n" + tail(output));
        return output;
    }

    static String tail(String s) {
        return s.length() <= 6000 ? s : "…" + s.substring(s.length() - 6000);
    }

    /** The first line of {@code <command> --version}, or null when it cannot be run. */
    static String version(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out.lines().findFirst().orElse(out) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    static void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                fail("auth-service exited with " + service.exitValue() + "; see " + target.resolve("browser-auth-service.log"));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail(base + " did not become ready; see " + target.resolve("browser-auth-service.log"));
    }
}
