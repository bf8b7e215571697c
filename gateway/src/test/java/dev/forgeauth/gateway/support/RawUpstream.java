package dev.forgeauth.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An upstream that writes its answers byte by byte, for what a well-behaved server never does: answers
 * cut short (with a length, or chunked), hop-by-hop headers, no Date, an answer that never comes. One
 * request per connection. Routed at {@code /api/v1/raw} (scope deployment:read).
 */
public class RawUpstream implements QuarkusTestResourceLifecycleManager {

    /** Counted down when the gateway drops the connection of a /hang request. */
    public static volatile CountDownLatch hangClosed = new CountDownLatch(1);
    /** Requests to /drop: read, then the connection is closed without an answer. */
    public static final java.util.concurrent.atomic.AtomicInteger DROPS = new java.util.concurrent.atomic.AtomicInteger();

    private ServerSocket server;
    private ExecutorService pool;

    @Override
    public Map<String, String> start() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "raw-upstream");
                t.setDaemon(true);
                return t;
            });
            pool.submit(this::acceptLoop);
            String url = "http://127.0.0.1:" + server.getLocalPort();
            return Map.of("forge.gateway.routes.raw.prefixes", "/api/v1/raw",
                    "forge.gateway.routes.raw.upstreams", url,
                    "forge.gateway.routes.raw.scopes.default", "deployment:read");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.submit(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String head = head(in);
            String path = head.isEmpty() ? "" : head.split(" ")[1];
            switch (path) {
                case "/api/v1/raw/cut" -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nonly-these");
                }
                case "/api/v1/raw/cut-chunked" -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n");
                    Thread.sleep(50);
                }
                case "/api/v1/raw/cut-small" -> write(out,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly-these");
                case "/api/v1/raw/hop" -> write(out, "HTTP/1.1 200 OK\r\n"
                        + "Date: Thu, 26 Nov 2026 00:00:00 GMT\r\n"
                        + "Connection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
                        + "Proxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nX-Kept: yes\r\n"
                        + "Content-Length: 2\r\n\r\nok");
                case "/api/v1/raw/nodate" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                case "/api/v1/raw/drop" -> DROPS.incrementAndGet();
                case "/api/v1/raw/hang" -> {
                    // never answer; wait for the gateway to give the request up
                    while (in.read() >= 0) {
                        // discard
                    }
                    hangClosed.countDown();
                }
                default -> write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        } catch (IOException | InterruptedException e) {
            // the gateway went away: fine for these tests
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
