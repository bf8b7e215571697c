package dev.forgeauth.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus application ({@code quarkus-run.jar}) running as a child process: its own free
 * port, environment variables, output in {@code <forge.service.log.dir>/<forge.service.log.prefix><name>.log}
 * (defaults: {@code target/service-<name>.log}). {@link #start} returns once
 * {@code /q/health/ready} answers 200; {@link #stop} sends SIGTERM, then kills after a grace period.
 * A JVM shutdown hook stops whatever is still running if the test JVM exits without {@code @AfterAll}.
 *
 * <pre>{@code
 * ServiceProcess auth = ServiceProcess.builder("auth", Path.of(jar)).portEnv("FORGE_AUTH_PORT")
 *         .env("FORGE_KEK", kek).start();
 * }</pre>
 */
public final class ServiceProcess implements AutoCloseable {

    private static final List<ServiceProcess> RUNNING = new ArrayList<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ServiceProcess::stopAllRunning, "forge-service-stop"));
    }

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    public static Builder builder(String name, Path jar) {
        return new Builder(name, jar);
    }

    /** The directory for logs: {@code forge.service.log.dir} (default {@code target}). */
    public static Path logDir() {
        return Path.of(System.getProperty("forge.service.log.dir", "target"));
    }

    /** A jar path from a system property set by the pom, failing clearly when it has not been built. */
    public static Path jar(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (run through Maven failsafe)");
        }
        Path p = Path.of(value).normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " does not exist: package the services first "
                    + "(./mvnw -B -q install -DskipTests)");
        }
        return p;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits until {@code /q/health/ready} answers 200; fails with the end of the log otherwise. */
    public ServiceProcess awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " during start; log "
                        + log + ":\n" + tail(60));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.statusCode();
                if (last == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            sleep(200);
        }
        throw new AssertionError(name + " not ready after " + timeout.toSeconds() + " s (last status " + last
                + "); log " + log + ":\n" + tail(60));
    }

    /** SIGTERM, up to 20 s for a graceful stop, then SIGKILL. Safe to call twice. */
    public void stop() {
        synchronized (RUNNING) {
            RUNNING.remove(this);
        }
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The last {@code lines} lines of the log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Log lines containing {@code text} (for diagnostics in assertion messages). */
    public String grepLog(String text, int max) {
        try {
            List<String> out = new ArrayList<>();
            for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (l.contains(text)) {
                    out.add(l);
                }
            }
            return String.join("\n", out.subList(Math.max(0, out.size() - max), out.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Stops every process started here that is still running (in parallel: each may take a few seconds). */
    public static void stopAllRunning() {
        List<ServiceProcess> all;
        synchronized (RUNNING) {
            all = new ArrayList<>(RUNNING);
        }
        all.parallelStream().forEach(ServiceProcess::stop);
    }

    @Override
    public String toString() {
        return name + "@" + port + " (pid " + process.pid() + ")";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static final class Builder {
        private final String name;
        private final Path jar;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
        private String portEnv;
        private int port;
        private Duration readyTimeout = Duration.ofSeconds(90);

        private Builder(String name, Path jar) {
            this.name = name;
            this.jar = jar;
        }

        /** The environment variable that sets the HTTP port (a free one is chosen). */
        public Builder portEnv(String variable) {
            this.portEnv = variable;
            return this;
        }

        /** A port chosen beforehand (default: a free one at launch). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> values) {
            env.putAll(values);
            return this;
        }

        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /** Starts the process without waiting for readiness (to start several at once). */
        public ServiceProcess launch() throws IOException {
            if (portEnv == null) {
                throw new IllegalStateException("portEnv not set for " + name);
            }
            int port = this.port > 0 ? this.port : LocalInfra.freePort();
            Path log = logDir().resolve(System.getProperty("forge.service.log.prefix", "service-") + name + ".log");
            Files.createDirectories(log.getParent());
            List<String> cmd = new ArrayList<>();
            cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
            cmd.addAll(jvmArgs);
            cmd.add("-jar");
            cmd.add(jar.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            pb.environment().put(portEnv, String.valueOf(port));
            ServiceProcess sp = new ServiceProcess(name, port, log, pb.start());
            synchronized (RUNNING) {
                RUNNING.add(sp);
            }
            return sp;
        }

        /** Starts the process and waits until it is ready. */
        public ServiceProcess start() throws IOException {
            ServiceProcess sp = launch();
            try {
                return sp.awaitReady(readyTimeout);
            } catch (AssertionError e) {
                sp.stop();
                throw e;
            }
        }

        public Duration readyTimeout() {
            return readyTimeout;
        }
    }
}
