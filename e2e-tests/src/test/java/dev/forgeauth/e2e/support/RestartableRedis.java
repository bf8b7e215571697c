package dev.forgeauth.e2e.support;

import dev.forgeauth.testing.LocalInfra;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import redis.embedded.RedisServer;

/**
 * A Redis server of the test's own (embedded-redis) on a fixed port, without persistence, that the
 * test can stop and start again on the same port: a restart that comes back empty, as a Redis without
 * persistence does after a crash.
 */
public final class RestartableRedis implements AutoCloseable {

    private final int port;
    private RedisServer server;

    private RestartableRedis(int port) {
        this.port = port;
    }

    public static RestartableRedis onFreePort() throws IOException {
        RestartableRedis r = new RestartableRedis(LocalInfra.freePort());
        r.start();
        return r;
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        IOException last = null;
        // the port was just released by our own stop (or by freePort): retry briefly if the bind races
        for (int attempt = 0; attempt < 20; attempt++) {
            RedisServer s = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
            try {
                s.start();
                server = s;
                if (!answers()) {
                    throw new IOException("embedded Redis started but does not answer PING on " + port);
                }
                return;
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e);
                server = null;
                try {
                    s.stop();
                } catch (IOException | RuntimeException ignored) {
                    // it did not start
                }
                sleep(250);
            }
        }
        throw last;
    }

    /** Stops the server; its data is gone (no persistence). */
    public synchronized void stop() throws IOException {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } finally {
            server = null;
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (answers() && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (answers()) {
            throw new IOException("Redis on " + port + " still answers after stop");
        }
    }

    public synchronized boolean running() {
        return server != null;
    }

    /** PING answered with PONG. */
    public boolean answers() {
        try {
            return command("PING").startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** Number of keys (DBSIZE). */
    public long dbSize() throws IOException {
        String r = command("DBSIZE").trim();
        if (!r.startsWith(":")) {
            throw new IOException("DBSIZE answered " + r);
        }
        return Long.parseLong(r.substring(1));
    }

    /** Members of a sorted set (ZCARD). */
    public long zcard(String key) throws IOException {
        String r = command("ZCARD " + key).trim();
        if (!r.startsWith(":")) {
            throw new IOException("ZCARD answered " + r);
        }
        return Long.parseLong(r.substring(1));
    }

    /** Subscriber counts of channels ({@code PUBSUB NUMSUB}), as "channel=count ...". For diagnostics. */
    public String numsub(String... channels) throws IOException {
        String[] parts = command("PUBSUB NUMSUB " + String.join(" ", channels)).split("\r\n");
        // *2n, then $len, channel, :count for each channel
        StringBuilder out = new StringBuilder();
        for (int i = 1; i + 2 < parts.length; i += 3) {
            out.append(out.length() == 0 ? "" : " ").append(parts[i + 1]).append('=').append(parts[i + 2].substring(1));
        }
        return out.toString();
    }

    /** Sends one inline command and returns the first reply read (enough for short replies). */
    private String command(String inline) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            int n = in.read(buf);
            return n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
