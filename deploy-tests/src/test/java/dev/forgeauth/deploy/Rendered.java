package dev.forgeauth.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The manifests of the base and of each overlay, rendered by {@link MiniKustomize} and typed. */
final class Rendered {

    /** What an operator can apply (relative to deploy/k8s). */
    static final List<String> TARGETS = List.of("base", "overlays/dev", "overlays/prod");
    /** The Forge Auth services every target deploys. */
    static final List<String> SERVICES = List.of("auth-service", "token-introspection-service", "gateway");

    private Rendered() {
    }

    static Path dir(String target) {
        return Repo.k8s().resolve(target);
    }

    static List<Map<String, Object>> raw(String target) {
        return MiniKustomize.render(dir(target));
    }

    static List<HasMetadata> typed(String target) {
        return K8s.typed(raw(target));
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> Optional<T> find(List<HasMetadata> resources, Class<T> type, String name) {
        return all(resources, type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }
}
