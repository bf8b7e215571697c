// Revocation propagation delay: "POST /oauth/revoke returned" -> "every introspection instance answers
// {"active":false}". No dependencies; run with Java 17's single-file source launcher (bench/revocation-delay.sh
// starts the services and runs it):
//
//   java bench/RevocationDelay.java --auth http://127.0.0.1:18781 \
//        --introspect http://127.0.0.1:18782,http://127.0.0.1:18783 --admin forge-admin:forge-admin-secret \
//        [--count 500] [--warmup 20] [--pause-us 0]
//
// It registers a client (scope deployment:read) with the admin client, then for each revocation: mints a
// token, confirms it is active on every instance, revokes it as the owning client, takes t0 when the revoke
// response has arrived, and polls every instance at once (one thread per instance, a tight loop: no pause
// unless --pause-us) until each answers inactive. The delay of a revocation is the time until the LAST
// instance answered inactive. The first --warmup revocations are not counted. The last line is
// machine-readable:
//   DELAY count=N p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. mean_ms=.. timeouts=N
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class RevocationDelay {

    static final long TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();
    /** Per instance and revocation: how long the first poll took, and how many polls it took. */
    static long[][] firstPoll;
    static int[][] pollCount;

    public static void main(String[] args) throws Exception {
        String auth = null;
        List<String> instances = new ArrayList<>();
        String admin = null;
        int count = 500;
        int warmup = 20;
        long pauseNanos = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--auth" -> auth = args[++i];
                case "--introspect" -> instances.addAll(Arrays.asList(args[++i].split(",")));
                case "--admin" -> admin = args[++i];
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--pause-us" -> pauseNanos = Long.parseLong(args[++i]) * 1000;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (auth == null || instances.isEmpty() || admin == null || !admin.contains(":")) {
            System.err.println("usage: java RevocationDelay.java --auth URL --introspect URL[,URL...] --admin id:secret "
                    + "[--count N] [--warmup N] [--pause-us N]");
            System.exit(2);
        }
        String adminBasic = basic(admin.substring(0, admin.indexOf(':')), admin.substring(admin.indexOf(':') + 1));

        HttpClient http = client();
        // a client of our own, as a resource owner would have
        String adminToken = field(send(http, post(auth + "/oauth/token", adminBasic, "grant_type=client_credentials"), 200),
                "access_token");
        HttpResponse<String> reg = send(http, HttpRequest.newBuilder(URI.create(auth + "/admin/clients"))
                .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"client_name\":\"bench-revocation-delay\",\"grant_types\":[\"client_credentials\"],\"scope\":\"deployment:read\"}"))
                .build(), 201);
        String clientBasic = basic(field(reg, "client_id"), field(reg, "client_secret"));

        int n = instances.size();
        ExecutorService pollers = Executors.newFixedThreadPool(n);
        // the timed calls go over plain keep-alive sockets: java.net.http's thread hand-offs cost a few ms
        // per call on the 2-core bench machine, which would swamp what is measured here
        RawHttp authRaw = new RawHttp(URI.create(auth));
        RawHttp[] pollClients = new RawHttp[n];
        for (int k = 0; k < n; k++) {
            pollClients[k] = new RawHttp(URI.create(instances.get(k)));
        }
        long[] delays = new long[count];
        long[][] perInstance = new long[n][count];
        long[] revokeCall = new long[count];
        firstPoll = new long[n][count];
        pollCount = new int[n][count];
        int timeouts = 0;
        long started = System.nanoTime();
        for (int i = -warmup; i < count; i++) {
            String token = field(authRaw.post("/oauth/token", clientBasic,
                    "grant_type=client_credentials&scope=deployment%3Aread", 200), "access_token");
            for (int k = 0; k < n; k++) {
                if (!active(pollClients[k], adminBasic, token)) {
                    throw new IllegalStateException("a fresh token is not active on " + instances.get(k));
                }
            }
            long r0 = System.nanoTime();
            authRaw.post("/oauth/revoke", clientBasic, "token=" + token + "&token_type_hint=access_token", 200);
            long t0 = System.nanoTime();
            final long pause = pauseNanos;
            final int round = i;
            List<Future<Long>> done = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                final RawHttp c = pollClients[k];
                final int inst = k;
                done.add(pollers.submit(() -> {
                    int polls = 0;
                    while (System.nanoTime() - t0 < TIMEOUT_NANOS) {
                        long p0 = System.nanoTime();
                        boolean stillActive = active(c, adminBasic, token);
                        polls++;
                        if (round >= 0 && polls == 1) {
                            firstPoll[inst][round] = System.nanoTime() - p0;
                        }
                        if (!stillActive) {
                            if (round >= 0) {
                                pollCount[inst][round] = polls;
                            }
                            return System.nanoTime() - t0;
                        }
                        if (pause > 0) {
                            LockSupport.parkNanos(pause);
                        }
                    }
                    return -1L;
                }));
            }
            long worst = 0;
            boolean timedOut = false;
            long[] each = new long[n];
            for (int k = 0; k < n; k++) {
                each[k] = done.get(k).get();
                if (each[k] < 0) {
                    timedOut = true;
                    each[k] = TIMEOUT_NANOS;
                }
                worst = Math.max(worst, each[k]);
            }
            if (i >= 0) {
                delays[i] = worst;
                revokeCall[i] = t0 - r0;
                for (int k = 0; k < n; k++) {
                    perInstance[k][i] = each[k];
                }
                if (timedOut) {
                    timeouts++;
                    System.err.printf("revocation %d: still active on some instance after %d s%n", i,
                            TIMEOUT_NANOS / 1_000_000_000L);
                }
            }
        }
        pollers.shutdownNow();
        double seconds = (System.nanoTime() - started) / 1e9;

        System.out.printf(Locale.ROOT, "%d revocations (after %d warm-up), %d introspection instances, %.1f s, poll pause %d us%n",
                count, warmup, n, seconds, pauseNanos / 1000);
        System.out.println("                          p50 ms   p90 ms   p99 ms   max ms  mean ms");
        row("revoke -> all inactive", delays);
        for (int k = 0; k < n; k++) {
            row("  instance " + (k + 1) + " (" + URI.create(instances.get(k)).getPort() + ")", perInstance[k]);
        }
        row("revoke call itself", revokeCall);
        for (int k = 0; k < n; k++) {
            row("  first poll, instance " + (k + 1), firstPoll[k]);
        }
        // when the very first poll after the revoke already answers inactive, the propagation took less
        // than that one request: the measured delay is then the poll's own round trip, not propagation
        for (int k = 0; k < n; k++) {
            int first = 0;
            int most = 0;
            for (int c : pollCount[k]) {
                first += c == 1 ? 1 : 0;
                most = Math.max(most, c);
            }
            System.out.printf(Locale.ROOT, "instance %d: inactive at the first poll in %d of %d revocations (%.0f%%); most polls needed: %d%n",
                    k + 1, first, count, 100.0 * first / count, most);
        }
        System.out.printf(Locale.ROOT, "DELAY count=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f timeouts=%d%n",
                count, pct(delays, 50), pct(delays, 90), pct(delays, 99), max(delays), mean(delays), timeouts);
        System.exit(timeouts == 0 ? 0 : 1);
    }

    static void row(String label, long[] nanos) {
        System.out.printf(Locale.ROOT, "%-24s %8.2f %8.2f %8.2f %8.2f %8.2f%n", label, pct(nanos, 50), pct(nanos, 90),
                pct(nanos, 99), max(nanos), mean(nanos));
    }

    /** Nearest-rank percentile, in ms. */
    static double pct(long[] nanos, double p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))] / 1e6;
    }

    static double max(long[] nanos) {
        return Arrays.stream(nanos).max().orElse(0) / 1e6;
    }

    static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static boolean active(RawHttp c, String basic, String token) throws IOException {
        String b = c.post("/oauth/introspect", basic, "token=" + token, 200);
        if (b.startsWith("{\"active\":true")) {
            return true;
        }
        if (b.equals("{\"active\":false}")) {
            return false;
        }
        throw new IllegalStateException("unexpected introspection answer from " + c.uri + ": " + b);
    }

    /** HTTP/1.1 over one keep-alive socket, blocking, on the caller's thread: POST a form, read the answer. */
    static final class RawHttp {
        final URI uri;
        private java.net.Socket socket;
        private java.io.OutputStream out;
        private java.io.InputStream in;

        RawHttp(URI uri) {
            this.uri = uri;
        }

        String post(String path, String authorization, String form, int expected) throws IOException {
            byte[] body = form.getBytes(StandardCharsets.UTF_8);
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAuthorization: " + authorization
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] request = new byte[head.length + body.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            for (int attempt = 0; ; attempt++) {
                try {
                    if (socket == null) {
                        socket = new java.net.Socket(uri.getHost(), uri.getPort());
                        socket.setTcpNoDelay(true);
                        out = socket.getOutputStream();
                        in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
                    }
                    out.write(request);
                    out.flush();
                    return read(expected);
                } catch (IOException e) {
                    close();
                    if (attempt > 0) {
                        throw e;
                    }
                    // a keep-alive connection the server closed: once more on a new one
                }
            }
        }

        private String read(int expected) throws IOException {
            String status = line();
            int length = -1;
            boolean chunked = false;
            boolean close = false;
            String h;
            while (!(h = line()).isEmpty()) {
                String l = h.toLowerCase(Locale.ROOT);
                if (l.startsWith("content-length:")) {
                    length = Integer.parseInt(l.substring(15).trim());
                } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                    chunked = true;
                } else if (l.startsWith("connection:") && l.contains("close")) {
                    close = true;
                }
            }
            StringBuilder b = new StringBuilder();
            if (chunked) {
                int size;
                while ((size = Integer.parseInt(line().trim(), 16)) > 0) {
                    b.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                    line();
                }
                line();
            } else if (length > 0) {
                b.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
            }
            if (close) {
                close();
            }
            if (!status.startsWith("HTTP/1.1 " + expected)) {
                throw new IllegalStateException("POST " + uri + " answered " + status + ": " + b);
            }
            return b.toString();
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new java.io.EOFException();
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }

    static HttpRequest post(String url, String authorization, String form) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    }

    static HttpResponse<String> send(HttpClient c, HttpRequest r, int expected) throws IOException, InterruptedException {
        HttpResponse<String> resp = c.send(r, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != expected) {
            throw new IllegalStateException(r.method() + " " + r.uri() + " answered " + resp.statusCode() + ": " + resp.body());
        }
        return resp;
    }

    static String basic(String id, String secret) {
        String pair = URLEncoder.encode(id, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    static String field(HttpResponse<String> r, String name) {
        return field(r.body(), name);
    }

    static String field(String body, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + body);
        }
        return m.group(1);
    }
}
