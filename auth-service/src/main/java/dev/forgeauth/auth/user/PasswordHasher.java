package dev.forgeauth.auth.user;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.crypto.RandomTokens;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (Bouncy Castle), stored as PHC strings
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}), at OWASP's recommended minimum: 19 MiB of memory,
 * two passes, one lane. Hashing costs tens of milliseconds of CPU by design, so it never runs on the
 * event loop: it runs on a pool of its own, one thread per core, with a bounded queue in arrival order
 * ({@code forge.password-hashing.*}); when the queue is full the request gets 503 with Retry-After at
 * once, instead of every login slowing down together under overload. A login for an unknown account is checked against a dummy hash
 * so that both answers take the same time.
 */
@ApplicationScoped
public class PasswordHasher {

    static final int MEMORY_KIB = 19_456;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    private final String dummy = hashNow("dummy-password-for-unknown-accounts");
    private final ThreadPoolExecutor pool;

    public PasswordHasher(ForgeConfig config) {
        int threads = config.passwordHashing().threads().orElse(Math.max(1, Runtime.getRuntime().availableProcessors()));
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.passwordHashing().queue())), r -> {
                    Thread t = new Thread(r, "forge-argon2-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    @PreDestroy
    void stop() {
        pool.shutdown();
    }

    public Uni<String> hash(String password) {
        return onPool(() -> hashNow(password));
    }

    /** Verifies against the stored hash, or against the dummy when there is none (same cost either way). */
    public Uni<Boolean> verify(String password, String storedOrNull) {
        return onPool(() -> {
            boolean ok = verifyNow(password, storedOrNull != null ? storedOrNull : dummy);
            return ok && storedOrNull != null;
        });
    }

    /** On the hashing pool; a full queue is a 503 at once (the caller may retry after a second). */
    private <T> Uni<T> onPool(java.util.function.Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(pool)
                .onFailure(RejectedExecutionException.class)
                .transform(e -> OAuthException.unavailable("The service is busy checking passwords; try again in a moment"));
    }

    /** Hashes waiting for a thread (for tests and diagnostics). */
    int queued() {
        return pool.getQueue().size();
    }

    static String hashNow(String password) {
        byte[] salt = RandomTokens.bytes(SALT_BYTES);
        byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + b64.encodeToString(salt) + "$" + b64.encodeToString(out);
    }

    static boolean verifyNow(String password, String phc) {
        String[] parts = phc.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.length != 6 || !"argon2id".equals(parts[1])) {
            return false;
        }
        int m = 0;
        int t = 0;
        int p = 0;
        for (String kv : parts[3].split(",")) {
            String[] e = kv.split("=");
            switch (e[0]) {
                case "m" -> m = Integer.parseInt(e[1]);
                case "t" -> t = Integer.parseInt(e[1]);
                case "p" -> p = Integer.parseInt(e[1]);
                default -> {
                    return false;
                }
            }
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] salt = b64.decode(parts[4]);
        byte[] expected = b64.decode(parts[5]);
        byte[] actual = derive(password, salt, m, t, p, expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int len) {
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build());
        byte[] out = new byte[len];
        gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
