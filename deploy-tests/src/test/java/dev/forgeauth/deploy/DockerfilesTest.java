package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The container builds (no Docker engine here, so read, not built): pinned base images, a non-root
 * runtime user, and for the native image a Mandrel builder stage whose COPY sources exist.
 */
class DockerfilesTest {

    static final List<String> MODULES = ServiceConfigTest.MODULES;

    record Stage(String image, List<String> lines) {
    }

    static List<Stage> stages(Path dockerfile) throws IOException {
        List<Stage> stages = new ArrayList<>();
        for (String line : Files.readAllLines(dockerfile)) {
            String l = line.strip();
            if (l.startsWith("#") || l.isEmpty()) {
                continue;
            }
            if (l.toUpperCase().startsWith("FROM ")) {
                stages.add(new Stage(l.split("\\s+")[1], new ArrayList<>()));
            } else if (!stages.isEmpty()) {
                stages.get(stages.size() - 1).lines().add(l);
            }
        }
        return stages;
    }

    private static List<String> problems(String module, Path file, List<Stage> stages) {
        List<String> v = new ArrayList<>();
        for (Stage s : stages) {
            ManifestPolicy.checkImage(file.getFileName() + " FROM", s.image(), v);
        }
        Stage last = stages.get(stages.size() - 1);
        List<String> users = last.lines().stream().filter(l -> l.startsWith("USER ")).toList();
        if (users.isEmpty()) {
            v.add(file.getFileName() + ": the runtime stage sets no USER (it would run as the image's default)");
        } else {
            String user = users.get(users.size() - 1).substring(5).strip();
            if (!user.matches("[1-9][0-9]*(:[0-9]+)?")) {
                v.add(file.getFileName() + ": runtime USER " + user + " is not a numeric non-root uid (runAsNonRoot cannot check a name)");
            }
        }
        return v;
    }

    @ParameterizedTest
    @FieldSource("MODULES")
    void nativeImageIsAMultiStageMandrelBuildRunAsNonRoot(String module) throws IOException {
        Path file = Repo.root().resolve(module + "/src/main/docker/Dockerfile.native");
        List<Stage> stages = stages(file);
        List<String> v = problems(module, file, stages);
        assertEquals(2, stages.size(), "builder and runtime stages");
        assertTrue(stages.get(0).image().startsWith("quay.io/quarkus/ubi9-quarkus-mandrel-builder-image:"), stages.get(0).image());
        assertTrue(stages.get(1).image().startsWith("quay.io/quarkus/ubi9-quarkus-micro-image:"), stages.get(1).image());
        // the build context is the repository root: every source it copies must exist there
        Pattern copy = Pattern.compile("COPY (?:--[a-z]+=\\S+ )*(\\S+) /code/\\S*");
        for (String line : stages.get(0).lines()) {
            Matcher m = copy.matcher(line);
            if (m.matches() && !Files.exists(Repo.root().resolve(m.group(1)))) {
                v.add("copies " + m.group(1) + ", which is not in the repository");
            }
        }
        String build = String.join("\n", stages.get(0).lines());
        assertTrue(build.contains("-f " + module + "/pom.xml package") && build.contains("-Dnative"), "builds " + module + " natively");
        assertTrue(stages.get(1).lines().stream().anyMatch(l -> l.startsWith("COPY --from=build")
                && l.contains("/code/" + module + "/target/*-runner")), "copies the executable of " + module);
        assertEquals(List.of(), v, module);
    }

    @ParameterizedTest
    @FieldSource("MODULES")
    void jvmImageRunsAsNonRoot(String module) throws IOException {
        Path file = Repo.root().resolve(module + "/src/main/docker/Dockerfile.jvm");
        assertEquals(List.of(), problems(module, file, stages(file)), module);
    }
}
