package dev.forgeauth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forgeauth.testing.ServiceProcess;
import dev.forgeauth.testing.LocalInfra;
import dev.forgeauth.testing.TestKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 100 MB upload and a 100 MB download through the packaged gateway, run with a 64 MB heap and 32 MB
 * of direct memory: a gateway that held a body in memory could not pass them on. The bytes are
 * checked end to end (SHA-256 on both sides) and the gateway's resident memory is sampled throughout.
 */
class GatewayStreamingIT {

    static final long SIZE = 100L * 1024 * 1024;
    static final long RSS_LIMIT_KB = 200 * 1024;

    static HttpServer upstream;
    static ServiceProcess gateway;
    static final AtomicLong uploaded = new AtomicLong(-1);
    static volatile String uploadedSha;

    @BeforeAll
    static void start() throws Exception {
        LocalInfra infra = LocalInfra.get();
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // the test keys' JWKS, served beside the files
        upstream.createContext("/oauth/jwks", ex -> {
            byte[] body = TestKeys.publishedJwks().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.setExecutor(Executors.newFixedThreadPool(4));
        upstream.createContext("/files/upload", GatewayStreamingIT::upload);
        upstream.createContext("/files/download", GatewayStreamingIT::download);
        upstream.start();
        String jwksUrl = "http://127.0.0.1:" + upstream.getAddress().getPort() + "/oauth/jwks";
        gateway = ServiceProcess.builder("stream-gateway", ServiceProcess.jar("forge.e2e.gateway.jar"))
                .portEnv("FORGE_GATEWAY_PORT")
                .jvmArg("-Xmx64m").jvmArg("-XX:MaxDirectMemorySize=32m").jvmArg("-XX:+UseSerialGC")
                .jvmArg("-Dforge.gateway.routes.files.prefixes=/files")
                .jvmArg("-Dforge.gateway.routes.files.upstreams=http://127.0.0.1:" + upstream.getAddress().getPort())
                .jvmArg("-Dforge.gateway.routes.files.scopes.default=files:write")
                .env("FORGE_REDIS_HOST", infra.redisHost)
                .env("FORGE_REDIS_PORT", String.valueOf(infra.redisPort))
                .env("FORGE_JWKS_URL", jwksUrl)
                .env("FORGE_SHUTDOWN_DELAY", "0s")
                .start();
    }

    @AfterAll
    static void stop() {
        ServiceProcess.stopAllRunning();
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    /** The same pseudo-random bytes on every call, without holding them. */
    static InputStream content(long size) {
        return new InputStream() {
            long left = size;
            long x = 0x9E3779B97F4A7C15L;

            @Override
            public int read() {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    b[off + i] = (byte) x;
                }
                left -= n;
                return n;
            }
        };
    }

    static String sha256(InputStream in, AtomicLong count) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
                total += n;
            }
            count.set(total);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void upload(HttpExchange ex) throws IOException {
        AtomicLong n = new AtomicLong();
        try (InputStream in = ex.getRequestBody()) {
            uploadedSha = sha256(in, n);
        }
        uploaded.set(n.get());
        byte[] body = ("{\"bytes\":" + n.get() + "}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    static void download(HttpExchange ex) throws IOException {
        boolean chunked = ex.getRequestURI().getPath().endsWith("/chunked");
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, chunked ? 0 : SIZE);
        try (OutputStream out = ex.getResponseBody(); InputStream in = content(SIZE)) {
            in.transferTo(out);
        }
    }

    /** Runs the transfer while sampling the gateway's RSS; answers the maximum in kB. */
    static long maxRssDuring(ThrowingRunnable transfer) throws Exception {
        Path status = Path.of("/proc/" + gateway.pid() + "/status");
        AtomicLong max = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        Supplier<Long> rss = () -> {
            try {
                for (String l : Files.readAllLines(status)) {
                    if (l.startsWith("VmRSS:")) {
                        return Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // not Linux, or the process is gone
            }
            return 0L;
        };
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                max.accumulateAndGet(rss.get(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            transfer.run();
        } finally {
            done.set(true);
            sampler.join();
        }
        return max.get();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void a100MegabyteUploadStreamsThroughASmallGateway() throws Exception {
        String expected = sha256(content(SIZE), new AtomicLong());
        String token = TestKeys.token().scope("files:write").build();
        long rss = maxRssDuring(() -> {
            HttpRequest put = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/files/upload"))
                    .timeout(Duration.ofSeconds(120))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> content(SIZE)), SIZE))
                    .build();
            HttpResponse<String> r = HTTP.send(put, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        });
        assertEquals(SIZE, uploaded.get());
        assertEquals(expected, uploadedSha, "the upstream received other bytes than were sent");
        System.out.printf("[e2e] 100 MB upload through the gateway (-Xmx64m): max RSS %d MB%n", rss / 1024);
        assertTrue(rss < RSS_LIMIT_KB, "gateway RSS reached " + rss / 1024 + " MB");
    }

    @Test
    void a100MegabyteDownloadStreamsThroughASmallGateway() throws Exception {
        String expected = sha256(content(SIZE), new AtomicLong());
        String token = TestKeys.token().scope("files:write").build();
        for (String path : new String[] {"/files/download", "/files/download/chunked"}) {
            AtomicLong received = new AtomicLong();
            String[] sha = new String[1];
            long rss = maxRssDuring(() -> {
                HttpRequest get = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                        .timeout(Duration.ofSeconds(120))
                        .header("Authorization", "Bearer " + token)
                        .build();
                HttpResponse<InputStream> r = HTTP.send(get, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                try (InputStream in = r.body()) {
                    sha[0] = sha256(in, received);
                }
            });
            assertEquals(SIZE, received.get(), path);
            assertEquals(expected, sha[0], path + ": the client received other bytes than the upstream sent");
            System.out.printf("[e2e] 100 MB download (%s) through the gateway (-Xmx64m): max RSS %d MB%n", path,
                    rss / 1024);
            assertTrue(rss < RSS_LIMIT_KB, "gateway RSS reached " + rss / 1024 + " MB");
        }
    }

    @Test
    void theGatewayStillAnswersWithoutCredentials() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/files/upload"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("invalid_token"), r.body());
    }
}
