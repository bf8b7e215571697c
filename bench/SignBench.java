// Signature cost alone on this JVM, for comparison with the auth-service's CPU per token.
// No dependencies; run with Java 17's single-file source launcher:
//   java bench/SignBench.java [seconds-per-alg]        (default 5 s measured, after 3 s warm-up)
// Signs a ~300-byte JWS signing input (base64url header "." base64url claims, like an access token)
// with SHA256withRSA (2048-bit key) and SHA256withECDSA (P-256), one thread, and prints microseconds
// per signature, both wall-clock and thread CPU time. The last lines are machine-readable:
//   SIGN RS256 wall_us=... cpu_us=... count=...
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

public class SignBench {

    static volatile int sink;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5.0;
        double warmup = args.length > 1 ? Double.parseDouble(args[1]) : 3.0;
        byte[] input = signingInput();

        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGen.generateKeyPair();

        System.out.printf("java %s (%s), payload %d bytes, %.1f s warm-up + %.1f s measured per algorithm%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), input.length, warmup, seconds);
        String[] rs = run("RS256", "SHA256withRSA", rsa.getPrivate(), input, warmup, seconds);
        String[] es = run("ES256", "SHA256withECDSA", ec.getPrivate(), input, warmup, seconds);
        System.out.println(rs[0]);
        System.out.println(es[0]);
        System.out.println(rs[1]);
        System.out.println(es[1]);
    }

    /** A JWS signing input of about 300 bytes, shaped like an RFC 9068 access token. */
    static byte[] signingInput() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"RS256\",\"kid\":\"k-3f9a1c2e7b4d\",\"typ\":\"at+jwt\"}";
        String claims = "{\"iss\":\"http://localhost:8080\",\"sub\":\"forge-admin\",\"aud\":\"forge-api\","
                + "\"exp\":1767225600,\"iat\":1767222000,\"jti\":\"0f8b8d5e-2f7c-4c1a-9a57-6d1e5b3c9e21\","
                + "\"client_id\":\"forge-admin\",\"scope\":\"admin introspect\"}";
        return (b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.US_ASCII);
    }

    static String[] run(String alg, String jca, PrivateKey key, byte[] input, double warmup, double seconds)
            throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        loop(jca, key, input, (long) (warmup * 1e9));
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long n = loop(jca, key, input, (long) (seconds * 1e9));
        long wall = System.nanoTime() - t0;
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        double wallUs = wall / 1e3 / n;
        double cpuUs = cpu / 1e3 / n;
        return new String[] {
            String.format("%s (%s): %.1f us/signature wall, %.1f us/signature CPU, %d signatures, %.0f/s on one core",
                    alg, jca, wallUs, cpuUs, n, n / (wall / 1e9)),
            String.format("SIGN %s wall_us=%.1f cpu_us=%.1f count=%d", alg, wallUs, cpuUs, n)
        };
    }

    /** Signs until {@code nanos} have passed; a new Signature per call, as a JWS library does. */
    static long loop(String jca, PrivateKey key, byte[] input, long nanos) throws Exception {
        long end = System.nanoTime() + nanos;
        long n = 0;
        int acc = 0;
        do {
            Signature s = Signature.getInstance(jca);
            s.initSign(key);
            s.update(input);
            byte[] sig = s.sign();
            acc += sig[0];
            n++;
        } while (System.nanoTime() < end);
        sink = acc;
        return n;
    }
}
