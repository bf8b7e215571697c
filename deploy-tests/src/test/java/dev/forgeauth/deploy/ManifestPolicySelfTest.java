package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy is only worth something if it fails on a broken manifest: each test breaks a copy of the
 * rendered prod or dev overlay in one way and expects the matching violation.
 */
class ManifestPolicySelfTest {

    private static List<String> violationsAfter(String target, Consumer<List<Map<String, Object>>> breakIt) {
        List<Map<String, Object>> resources = MiniKustomize.deepCopy(Rendered.raw(target));
        assertEquals(List.of(), ManifestPolicy.check(K8s.typed(resources)), "clean before breaking");
        breakIt.accept(resources);
        return ManifestPolicy.check(K8s.typed(resources));
    }

    private static Map<String, Object> resource(List<Map<String, Object>> all, String kind, String name) {
        return all.stream().filter(r -> r.get("kind").equals(kind)
                && name.equals(MiniKustomize.map(r, "metadata").get("name"))).findFirst().orElseThrow();
    }

    private static Map<String, Object> container(List<Map<String, Object>> all, String kind, String name) {
        return MiniKustomize.containers(resource(all, kind, name)).get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podSecurity(List<Map<String, Object>> all, String name) {
        Map<String, Object> d = resource(all, "Deployment", name);
        return (Map<String, Object>) MiniKustomize.map(MiniKustomize.map(MiniKustomize.map(d, "spec"), "template"), "spec")
                .get("securityContext");
    }

    private static void expect(List<String> violations, String fragment) {
        assertTrue(violations.stream().anyMatch(v -> v.contains(fragment)), "expected '" + fragment + "' in " + violations);
    }

    @Test
    void missingLivenessProbe() {
        expect(violationsAfter("overlays/prod", all -> container(all, "Deployment", "gateway").remove("livenessProbe")),
                "gateway container gateway: no liveness probe");
    }

    @Test
    void missingReadinessProbe() {
        expect(violationsAfter("overlays/dev", all -> container(all, "StatefulSet", "postgres").remove("readinessProbe")),
                "postgres: no readiness probe");
    }

    @Test
    void missingStartupProbe() {
        expect(violationsAfter("overlays/prod", all -> container(all, "Deployment", "auth-service").remove("startupProbe")),
                "no startup probe");
    }

    @Test
    void probeOnTheWrongPathOrPort() {
        List<String> v = violationsAfter("overlays/prod", all -> {
            Map<String, Object> c = container(all, "Deployment", "auth-service");
            MiniKustomize.map(MiniKustomize.map(c, "readinessProbe"), "httpGet").put("path", "/");
            MiniKustomize.map(MiniKustomize.map(c, "livenessProbe"), "httpGet").put("port", "admin");
        });
        expect(v, "readiness probe must be an HTTP GET of /q/health/ready");
        expect(v, "liveness probe on a port the container does not declare");
    }

    @Test
    void missingResources() {
        expect(violationsAfter("overlays/prod", all -> container(all, "Deployment", "gateway").remove("resources")),
                "no resources");
        List<String> v = violationsAfter("overlays/dev", all -> {
            Map<String, Object> r = MiniKustomize.map(container(all, "Deployment", "redis"), "resources");
            r.remove("limits");
            MiniKustomize.map(r, "requests").remove("cpu");
        });
        expect(v, "redis: no cpu limit");
        expect(v, "redis: no memory limit");
        expect(v, "redis: no cpu request");
    }

    @Test
    void requestAboveLimit() {
        expect(violationsAfter("overlays/prod", all -> MiniKustomize.map(MiniKustomize.map(
                container(all, "Deployment", "gateway"), "resources"), "requests").put("memory", "2Gi")),
                "memory request 2Gi above its limit");
    }

    @Test
    void runningAsRoot() {
        List<String> v = violationsAfter("overlays/prod", all -> {
            podSecurity(all, "gateway").remove("runAsNonRoot");
            MiniKustomize.map(container(all, "Deployment", "gateway"), "securityContext").remove("runAsNonRoot");
        });
        expect(v, "gateway: may run as root");
        expect(violationsAfter("overlays/prod", all -> podSecurity(all, "auth-service").put("runAsUser", 0)),
                "auth-service: runs as root (runAsUser 0)");
        expect(violationsAfter("overlays/prod", all -> MiniKustomize.map(container(all, "Deployment", "auth-service"),
                "securityContext").put("runAsNonRoot", false)), "auth-service: may run as root");
    }

    @Test
    void privilegesAndWritableRoot() {
        List<String> v = violationsAfter("overlays/prod", all -> {
            Map<String, Object> sc = MiniKustomize.map(container(all, "Deployment", "token-introspection-service"), "securityContext");
            sc.put("allowPrivilegeEscalation", true);
            sc.put("readOnlyRootFilesystem", false);
            sc.remove("capabilities");
            sc.remove("seccompProfile");
            podSecurity(all, "token-introspection-service").remove("seccompProfile");
        });
        expect(v, "allowPrivilegeEscalation is not false");
        expect(v, "root filesystem not read-only");
        expect(v, "capabilities not dropped");
        expect(v, "no seccomp profile");
    }

    @Test
    void noTmpForAReadOnlyRoot() {
        expect(violationsAfter("overlays/prod", all -> container(all, "Deployment", "gateway").remove("volumeMounts")),
                "no emptyDir mounted at /tmp");
    }

    @Test
    void imageLatestOrUntagged() {
        expect(violationsAfter("overlays/prod", all -> container(all, "Deployment", "gateway")
                .put("image", "registry.example.com/forge-auth/gateway:latest")), "uses the tag latest");
        expect(violationsAfter("overlays/dev", all -> container(all, "Deployment", "redis")
                .put("image", "docker.io/library/redis")), "has no tag");
        expect(violationsAfter("overlays/dev", all -> container(all, "Deployment", "redis")
                .put("image", "localhost:5000/redis")), "has no tag");
    }

    @Test
    void secretLookingKeysAndValuesInAConfigMap() {
        for (String key : List.of("FORGE_KEK", "FORGE_GATEWAY_CLIENT_SECRET", "FORGE_PG_PASSWORD", "GITHUB_TOKEN", "api_key")) {
            expect(violationsAfter("overlays/prod", all -> MiniKustomize.map(resource(all, "ConfigMap", "forge-config"), "data")
                    .put(key, "x")), "key '" + key + "' looks like a secret");
        }
        for (String value : List.of("q2Xv9Lr0T7mBz4Kc1Wn8Yp3Hs6Jd5Fg0Ua2Ei9Oo4R=",
                "redis://:hunter2hunter2@redis:6379", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
                "sk_live_0123456789abcdefABCDEF0123456789abcdef")) {
            expect(violationsAfter("overlays/dev", all -> MiniKustomize.map(resource(all, "ConfigMap", "forge-config"), "data")
                    .put("SOMETHING", value)), "value of 'SOMETHING' looks like a secret");
        }
    }

    @Test
    void literalSecretInAnEnvVarOrASecretInTheManifests() {
        expect(violationsAfter("overlays/prod", all -> {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> env = (List<Map<String, Object>>) container(all, "Deployment", "gateway").get("env");
            Map<String, Object> literal = new LinkedHashMap<>();
            literal.put("name", "FORGE_GATEWAY_CLIENT_SECRET");
            literal.put("value", "s3cr3t");
            env.removeIf(e -> e.get("name").equals("FORGE_GATEWAY_CLIENT_SECRET"));
            env.add(literal);
        }), "env FORGE_GATEWAY_CLIENT_SECRET has a literal value");
        expect(violationsAfter("overlays/prod", all -> {
            Map<String, Object> secret = new LinkedHashMap<>();
            secret.put("apiVersion", "v1");
            secret.put("kind", "Secret");
            secret.put("metadata", new LinkedHashMap<>(Map.of("name", "forge-kek")));
            secret.put("stringData", new LinkedHashMap<>(Map.of("kek", "abc")));
            all.add(secret);
        }), "a Secret with values in the manifests");
    }

    @Test
    void typoInAFieldName() {
        expect(violationsAfter("overlays/prod", all -> {
            Map<String, Object> c = container(all, "Deployment", "gateway");
            c.put("readinesProbe", c.remove("readinessProbe"));
        }), "field not in the Kubernetes API: spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void exposingAnInnerService() {
        List<String> v = violationsAfter("overlays/prod", all -> {
            MiniKustomize.map(resource(all, "Service", "auth-service"), "spec").put("type", "LoadBalancer");
        });
        expect(v, "Service/auth-service: Service of type LoadBalancer");
    }

    @Test
    void namesThatOnlyMentionTokensAreNotSecrets() {
        assertFalse(ManifestPolicy.secretName("FORGE_TOKEN_DEFAULT_TTL"));
        assertFalse(ManifestPolicy.secretName("FORGE_JWKS_URL"));
        assertTrue(ManifestPolicy.secretName("FORGE_BOOTSTRAP_CLIENT_SECRET"));
        assertNull(ManifestPolicy.secretValue("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"));
        assertNull(ManifestPolicy.secretValue("http://token-introspection-service:8082"));
        assertNull(ManifestPolicy.secretValue("forge-api"));
    }

    /** The whole path from a file on disk: an edited copy of deploy/k8s renders into violations. */
    @Test
    void aBrokenFileOnDiskFailsTheCheck(@TempDir Path tmp) throws IOException {
        Path copy = tmp.resolve("k8s");
        try (Stream<Path> files = Files.walk(Repo.k8s())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(Repo.k8s().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path gateway = copy.resolve("base/gateway.yaml");
        String text = Files.readString(gateway);
        String broken = text.replaceFirst("(?s)          readinessProbe:\n.*?failureThreshold: 2\n", "")
                .replace("image: forge-auth/gateway:0.1.0", "image: forge-auth/gateway:latest");
        assertFalse(broken.equals(text));
        Files.writeString(gateway, broken);
        List<String> violations = new ArrayList<>();
        for (String target : Rendered.TARGETS) {
            violations.addAll(ManifestPolicy.check(K8s.typed(MiniKustomize.render(copy.resolve(target)))));
        }
        expect(violations, "container gateway: no readiness probe");
        expect(violations, "image 'forge-auth/gateway:latest' uses the tag latest");
        // the readiness probe is missing from all three renderings; the overlays re-tag the image
        assertEquals(4, violations.size(), violations.toString());
    }
}
