// Latency probe for bench/introspection.sh: while wrk loads the server, this sends POST /oauth/introspect at a
// fixed rate on its own keep-alive connections and measures each answer from the moment the request was DUE
// (open loop: a late answer delays the next request, and that delay counts, so there is no coordinated
// omission). It exists because wrk's own latency figures are not trustworthy on the bench machine: at the
// same throughput, wrk -c1 reports a mean latency 2-4x the whole request cycle (impossible for a closed
// loop, see Little's law in introspection.sh), while a plain socket loop measures the expected value.
//
// No dependencies; Java 17's single-file source launcher:
//   java bench/introspection-probe.java URL BASIC_AUTH TOKEN EXPECT_ACTIVE(true|false) RATE_PER_S SECONDS \
//        [CONNECTIONS=4] [WARMUP_SECONDS=1]        (requests in the warm-up are sent but not counted)
// Last line, machine-readable:
//   PROBE count=N rate=R p50_ms=.. p90_ms=.. p99_ms=.. p999_ms=.. max_ms=.. wrong=N errors=N
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

public class IntrospectionProbe {

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: URL BASIC_AUTH TOKEN EXPECT_ACTIVE RATE_PER_S SECONDS [CONNECTIONS] [WARMUP_SECONDS]");
            System.exit(2);
        }
        URI uri = URI.create(args[0]);
        String basic = args[1];
        String token = args[2];
        String expect = "\"active\":" + args[3];
        double rate = Double.parseDouble(args[4]);
        double seconds = Double.parseDouble(args[5]);
        int connections = args.length > 6 ? Integer.parseInt(args[6]) : 4;
        double warmup = args.length > 7 ? Double.parseDouble(args[7]) : 1.0;

        String body = "token=" + token;
        byte[] request = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nAuthorization: " + basic + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Accept: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);

        long intervalNanos = (long) (1e9 * connections / rate);   // per connection
        int skip = (int) (warmup * rate / connections);
        int perConnection = skip + (int) (seconds * rate / connections);
        long[][] latencies = new long[connections][perConnection];
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime() + 50_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < connections; k++) {
            final int idx = k;
            // stagger the connections evenly over one interval
            final long first = start + intervalNanos * k / connections;
            Thread t = new Thread(() -> {
                try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
                    for (int i = 0; i < perConnection; i++) {
                        long due = first + i * intervalNanos;
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        out.write(request);
                        out.flush();
                        String answer = readResponse(in);
                        latencies[idx][i] = i < skip ? 0 : System.nanoTime() - due;
                        if (i >= skip && !answer.contains(expect)) {
                            wrong.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    System.err.println("probe connection " + idx + ": " + e);
                }
            }, "probe-" + k);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).filter(v -> v > 0).sorted().toArray();
        if (all.length == 0) {
            System.out.println("PROBE count=0 errors=" + errors.get());
            System.exit(1);
        }
        System.out.printf(Locale.ROOT,
                "PROBE count=%d rate=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f wrong=%d errors=%d%n",
                all.length, rate, pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 99.9), all[all.length - 1] / 1e6,
                wrong.get(), errors.get());
    }

    static double pct(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and returns its body. */
    static String readResponse(InputStream in) throws IOException {
        int contentLength = -1;
        boolean chunked = false;
        String line;
        String status = readLine(in);
        if (!status.startsWith("HTTP/1.1 ")) {
            throw new IOException("bad status line " + status);
        }
        while (!(line = readLine(in)).isEmpty()) {
            String l = line.toLowerCase(Locale.ROOT);
            if (l.startsWith("content-length:")) {
                contentLength = Integer.parseInt(l.substring(15).trim());
            } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                chunked = true;
            }
        }
        StringBuilder body = new StringBuilder();
        if (chunked) {
            int size;
            while ((size = Integer.parseInt(readLine(in).trim(), 16)) > 0) {
                body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                readLine(in);
            }
            readLine(in);
        } else if (contentLength >= 0) {
            body.append(new String(in.readNBytes(contentLength), StandardCharsets.UTF_8));
        }
        if (!status.startsWith("HTTP/1.1 200")) {
            return status;
        }
        return body.toString();
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException();
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
