package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every manifest under deploy/k8s, file by file and as each overlay renders it. */
class ManifestsTest {

    /** The Secrets the manifests may reference, with their keys: deploy/README.md says how to create each. */
    static final Map<String, Set<String>> SECRETS = Map.of(
            "forge-kek", Set.of("kek"),
            "forge-bootstrap", Set.of("client-id", "client-secret"),
            "forge-gateway-client", Set.of("client-id", "client-secret"),
            "forge-db-app", Set.of("host", "port", "dbname", "username", "password"),
            "forge-db-introspection", Set.of("username", "password"),
            "forge-secret-hash-key", Set.of("key"),
            "forge-redis", Set.of("hosts", "password"));

    static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> s = Files.walk(Repo.k8s())) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    @Test
    void everyDocumentOfEveryFileIsAKubernetesObjectWithKnownFields() throws IOException {
        List<String> problems = new ArrayList<>();
        int documents = 0;
        for (Path file : yamlFiles()) {
            if (file.getFileName().toString().equals("kustomization.yaml")) {
                continue; // read by MiniKustomize, which refuses what it does not know
            }
            for (Map<String, Object> doc : Yaml.documents(file)) {
                documents++;
                try {
                    HasMetadata r = K8s.typed(doc);
                    K8s.unknownFields(r).forEach(f -> problems.add(Repo.root().relativize(file) + ": "
                            + MiniKustomize.id(doc) + ": unknown field " + f.substring(1)));
                } catch (RuntimeException e) {
                    problems.add(Repo.root().relativize(file) + ": " + e.getMessage());
                }
            }
        }
        assertTrue(documents >= 20, "found only " + documents + " documents under deploy/k8s");
        assertEquals(List.of(), problems);
    }

    @Test
    void everyFileIsPartOfSomeOverlay() throws IOException {
        Set<Path> used = new TreeSet<>();
        for (String target : Rendered.TARGETS) {
            used.addAll(MiniKustomize.referencedFiles(Rendered.dir(target)));
        }
        List<String> orphans = yamlFiles().stream().map(Path::normalize).filter(p -> !used.contains(p))
                .map(p -> Repo.root().relativize(p).toString()).toList();
        assertEquals(List.of(), orphans, "YAML files no kustomization reads (so nothing checks or applies them)");
    }

    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void renderedManifestsFollowThePolicy(String target) {
        List<HasMetadata> resources = Rendered.typed(target);
        assertFalse(resources.isEmpty());
        assertEquals(List.of(), ManifestPolicy.check(resources), target);
    }

    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void everyWorkloadHasAServiceAndConsistentLabels(String target) {
        List<HasMetadata> resources = Rendered.typed(target);
        List<String> problems = new ArrayList<>();
        List<Service> services = Rendered.all(resources, Service.class);
        for (HasMetadata r : resources) {
            Map<String, String> selector;
            Map<String, String> podLabels;
            if (r instanceof Deployment d) {
                selector = d.getSpec().getSelector().getMatchLabels();
                podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            } else if (r instanceof StatefulSet s) {
                selector = s.getSpec().getSelector().getMatchLabels();
                podLabels = s.getSpec().getTemplate().getMetadata().getLabels();
            } else {
                continue;
            }
            String id = r.getKind() + "/" + r.getMetadata().getName();
            if (!podLabels.entrySet().containsAll(selector.entrySet())) {
                problems.add(id + ": selector does not match its pod template");
            }
            boolean served = services.stream().anyMatch(s -> s.getSpec().getSelector() != null
                    && podLabels.entrySet().containsAll(s.getSpec().getSelector().entrySet()));
            if (!served) {
                problems.add(id + ": no Service selects its pods");
            }
            if (!"forge-auth".equals(podLabels.get("app.kubernetes.io/part-of"))) {
                problems.add(id + ": pods without app.kubernetes.io/part-of=forge-auth");
            }
        }
        for (String name : Rendered.SERVICES) {
            if (Rendered.find(resources, Deployment.class, name).isEmpty()) {
                problems.add("no Deployment " + name);
            }
            if (Rendered.find(resources, Service.class, name).isEmpty()) {
                problems.add("no Service " + name);
            }
        }
        assertEquals(List.of(), problems, target);
    }

    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void secretsAreReferencedNeverShippedAndDocumented(String target) throws IOException {
        String readme = Files.readString(Repo.root().resolve("deploy/README.md"));
        List<String> problems = new ArrayList<>();
        for (HasMetadata r : Rendered.typed(target)) {
            if (r.getKind().equals("Secret")) {
                problems.add("the manifests create Secret " + r.getMetadata().getName());
            }
            PodSpec pod = ManifestPolicy.podSpec(r);
            if (pod == null) {
                continue;
            }
            for (Container c : pod.getContainers()) {
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (e.getValueFrom() == null || e.getValueFrom().getSecretKeyRef() == null) {
                        continue;
                    }
                    SecretKeySelector ref = e.getValueFrom().getSecretKeyRef();
                    Set<String> keys = SECRETS.get(ref.getName());
                    if (keys == null || !keys.contains(ref.getKey())) {
                        problems.add(c.getName() + ": " + e.getName() + " reads " + ref.getName() + "/" + ref.getKey()
                                + ", not one of the documented Secrets " + SECRETS);
                    }
                }
            }
        }
        for (String secret : SECRETS.keySet()) {
            if (!readme.contains(secret)) {
                problems.add("deploy/README.md does not say how to create " + secret);
            }
        }
        assertEquals(List.of(), problems, target);
    }
}
