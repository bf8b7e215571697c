package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Where kubectl is on the PATH: renders the base and every overlay with the real kustomize
 * ({@code kubectl kustomize}), checks the output against the same policy, and proves that
 * {@link MiniKustomize} (which the other tests use, kubectl or not) produces the same objects.
 * Skipped where there is no kubectl.
 */
class KubectlKustomizeTest {

    static Path kubectl() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static String kustomize(Path kubectl, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish in 120 s");
            }
            assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + ": " + Files.readString(err, StandardCharsets.UTF_8));
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @ParameterizedTest
    @FieldSource("dev.forgeauth.deploy.Rendered#TARGETS")
    void kubectlKustomizeRendersWhatTheOtherTestsCheck(String target) throws Exception {
        Path kubectl = kubectl();
        Assumptions.assumeTrue(kubectl != null, "kubectl not on the PATH: kustomize rendering not checked");
        List<Map<String, Object>> real = Yaml.documents(kustomize(kubectl, Rendered.dir(target)));
        assertEquals(List.of(), ManifestPolicy.check(K8s.typed(real)), "kubectl kustomize " + target);

        Map<String, Map<String, Object>> expected = byId(real);
        Map<String, Map<String, Object>> ours = byId(MiniKustomize.render(Rendered.dir(target)));
        assertEquals(expected.keySet(), ours.keySet(), target + ": the same objects");
        List<String> different = new ArrayList<>();
        for (String id : expected.keySet()) {
            if (!expected.get(id).equals(ours.get(id))) {
                different.add(id + "\n kubectl: " + expected.get(id) + "\n mini:    " + ours.get(id));
            }
        }
        assertTrue(different.isEmpty(), target + ": MiniKustomize differs from kustomize:\n" + String.join("\n", different));
    }

    private static Map<String, Map<String, Object>> byId(List<Map<String, Object>> resources) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        resources.forEach(r -> out.put(MiniKustomize.id(r), r));
        return out;
    }
}
