package dev.forgeauth.cli.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs the real CLI ({@code java -jar target/forge-cli.jar}) as a subprocess, as a user's shell would:
 * its own config home ({@code XDG_CONFIG_HOME}) and HOME, the gateway as {@code FORGE_SERVER}, nothing
 * else of the test JVM's FORGE_* environment.
 */
public final class Cli {

    /** What a run printed and its exit code. */
    public record Result(int exit, String out, String err, List<String> args) {

        public String describe() {
            return "forge " + String.join(" ", args) + " -> exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private final Path configHome;
    private final Map<String, String> baseEnv = new HashMap<>();

    public Cli(Path configHome, String server) {
        this.configHome = configHome;
        baseEnv.put("XDG_CONFIG_HOME", configHome.toString());
        baseEnv.put("HOME", configHome.resolve("home").toString());
        baseEnv.put("FORGE_SERVER", server);
    }

    public Path configHome() {
        return configHome;
    }

    /** The forge directory under the config home. */
    public Path forgeDir() {
        return configHome.resolve("forge");
    }

    public Result run(String... args) {
        return input(Map.of(), null, args);
    }

    public Result run(Map<String, String> env, String... args) {
        return input(env, null, args);
    }

    /** A run with {@code stdin} on standard input. */
    public Result input(Map<String, String> env, String stdin, String... args) {
        try {
            Process p = process(env, args).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("forge " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS), List.of(args));
        } catch (Exception e) {
            throw new AssertionError("cannot run forge " + String.join(" ", args), e);
        }
    }

    /** A CLI process still running (forge login), its stderr read line by line. */
    public final class Running implements AutoCloseable {
        private final Process process;
        private final LinkedBlockingQueue<String> errLines = new LinkedBlockingQueue<>();
        private final StringBuilder errAll = new StringBuilder();
        private final CompletableFuture<String> out;
        private final List<String> args;

        Running(Process process, List<String> args) {
            this.process = process;
            this.args = args;
            this.out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (errAll) {
                            errAll.append(line).append('\n');
                        }
                        errLines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "forge-stderr");
            t.setDaemon(true);
            t.start();
        }

        /** Waits for a stderr line matching {@code test}. */
        public String awaitErrLine(Predicate<String> test, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String line = errLines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && test.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive() && errLines.isEmpty()) {
                    break;
                }
            }
            throw new AssertionError("no such line on stderr of forge " + String.join(" ", args) + "; alive="
                    + process.isAlive() + ", stderr so far:\n" + err());
        }

        public Result await(Duration timeout) throws Exception {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("forge " + String.join(" ", args) + " still running after " + timeout
                        + "; stderr:\n" + err());
            }
            String o = out.get(10, TimeUnit.SECONDS);
            Thread.sleep(50); // the stderr reader's last line
            return new Result(process.exitValue(), o, err(), args);
        }

        String err() {
            synchronized (errAll) {
                return errAll.toString();
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    public Running start(Map<String, String> env, String... args) throws IOException {
        Process p = process(env, args).start();
        p.getOutputStream().close();
        return new Running(p, List.of(args));
    }

    private ProcessBuilder process(Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(configHome.resolve("home"));
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        // a short-lived command: start fast, stay small
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx128m"));
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("FORGE_") || k.equals("XDG_CONFIG_HOME"));
        pb.environment().putAll(baseEnv);
        pb.environment().putAll(env);
        return pb;
    }

    static Path jar() {
        String p = System.getProperty("forge.cli.jar");
        if (p == null || !Files.isRegularFile(Path.of(p))) {
            throw new IllegalStateException("forge.cli.jar (" + p + ") missing: run through Maven failsafe after package");
        }
        return Path.of(p);
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
