package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The manifests against what the services read (their application.properties). */
class ServiceConfigTest {

    static final List<String> MODULES = List.of("auth-service", "token-introspection-service", "gateway", "echo-upstream");
    static final String BLOCK = "# --- deploy: graceful shutdown and native image ---";
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(:[^}]*)?}");

    /** The properties of a module, profile-less lines only (what runs in a container), in file order. */
    static Map<String, String> properties(String module) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Repo.root().resolve(module + "/src/main/resources/application.properties"))) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("!") || l.startsWith("%")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq > 0) {
                out.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
        }
        return out;
    }

    static Duration duration(String value) {
        Matcher m = Pattern.compile("\\$\\{[A-Z0-9_]+:([^}]*)}").matcher(value);
        String v = m.matches() ? m.group(1) : value;
        return Duration.parse("PT" + v.toUpperCase());
    }

    @ParameterizedTest
    @FieldSource("MODULES")
    void everyServiceDrainsOnSigtermWithinTheGracePeriod(String module) throws IOException {
        String text = Files.readString(Repo.root().resolve(module + "/src/main/resources/application.properties"));
        assertTrue(text.contains(BLOCK), module + ": the deploy block is missing from application.properties");
        Map<String, String> p = properties(module);
        assertEquals("true", p.get("quarkus.shutdown.delay-enabled"), module);
        Duration delay = duration(p.get("quarkus.shutdown.delay"));
        Duration timeout = duration(p.get("quarkus.shutdown.timeout"));
        assertTrue(delay.toMillis() > 0 && timeout.toMillis() > 0, module);
        for (String target : Rendered.TARGETS) {
            for (HasMetadata r : Rendered.typed(target)) {
                if (r instanceof Deployment d && d.getMetadata().getName().equals(module)) {
                    long grace = d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
                    assertTrue(grace >= delay.plus(timeout).plusSeconds(5).toSeconds(), module + " in " + target
                            + ": terminationGracePeriodSeconds " + grace + " leaves no room for " + delay + " + " + timeout);
                }
            }
        }
    }

    /** Each variable a service needs and has no default for is set on its container, in every target. */
    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void requiredVariablesAreProvidedAndPortsMatch(String target) throws IOException {
        List<HasMetadata> resources = Rendered.typed(target);
        List<String> problems = new ArrayList<>();
        for (String module : MODULES) {
            Deployment d = Rendered.find(resources, Deployment.class, module).orElse(null);
            if (d == null) {
                continue; // echo-upstream only in dev
            }
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            Set<String> provided = new HashSet<>();
            for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                provided.add(e.getName());
            }
            if (c.getEnvFrom() != null) {
                c.getEnvFrom().stream().filter(ef -> ef.getConfigMapRef() != null).forEach(ef -> Rendered
                        .find(resources, ConfigMap.class, ef.getConfigMapRef().getName())
                        .ifPresent(cm -> provided.addAll(cm.getData().keySet())));
            }
            Map<String, String> props = properties(module);
            for (String value : props.values()) {
                Matcher m = REFERENCE.matcher(value);
                while (m.find()) {
                    if (m.group(2) == null && !provided.contains(m.group(1))) {
                        problems.add(module + ": needs " + m.group(1) + " (no default) but its container does not set it");
                    }
                }
            }
            Matcher port = Pattern.compile("\\$\\{[A-Z_]+:(\\d+)}").matcher(props.get("quarkus.http.port"));
            assertTrue(port.matches(), module + ": quarkus.http.port");
            int expected = Integer.parseInt(port.group(1));
            if (c.getPorts().stream().noneMatch(p -> p.getContainerPort() == expected)) {
                problems.add(module + ": listens on " + expected + " but the container declares " + c.getPorts());
            }
        }
        assertEquals(List.of(), problems, target);
    }

    /** A ConfigMap key no service reads is a typo or a leftover. */
    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void everyConfigMapKeyIsReadBySomeService(String target) throws IOException {
        Set<String> read = new HashSet<>();
        for (String module : MODULES) {
            Matcher m = REFERENCE.matcher(Files.readString(Repo.root().resolve(module + "/src/main/resources/application.properties")));
            while (m.find()) {
                read.add(m.group(1));
            }
        }
        List<String> unread = new ArrayList<>();
        for (ConfigMap cm : Rendered.all(Rendered.typed(target), ConfigMap.class)) {
            for (String key : cm.getData().keySet()) {
                // QUARKUS_* keys are Quarkus' own configuration (env var form of quarkus.* properties)
                if (!key.startsWith("QUARKUS_") && !read.contains(key)) {
                    unread.add(cm.getMetadata().getName() + "/" + key);
                }
            }
        }
        assertEquals(List.of(), unread, target + ": keys no application.properties reads");
    }

    @Test
    void theDeployBlockIsThereOnce() throws IOException {
        for (String module : MODULES) {
            String text = Files.readString(Path.of(Repo.root().toString(), module, "src/main/resources/application.properties"));
            assertEquals(text.indexOf(BLOCK), text.lastIndexOf(BLOCK), module);
        }
    }
}
