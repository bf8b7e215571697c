package dev.forgeauth.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The fabric8 Kubernetes model over plain YAML maps: typed objects, and the fields the model does not know. */
final class K8s {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private K8s() {
    }

    /** One resource as its fabric8 class (Deployment, Service, ...); fails on an unknown kind. */
    static HasMetadata typed(Map<String, Object> resource) {
        KubernetesResource r = SERIALIZATION.unmarshal(SERIALIZATION.asJson(resource), KubernetesResource.class);
        if (r instanceof GenericKubernetesResource || !(r instanceof HasMetadata)) {
            throw new IllegalArgumentException("not a resource kind of the Kubernetes API known to the fabric8 model: "
                    + resource.get("apiVersion") + " " + resource.get("kind"));
        }
        return (HasMetadata) r;
    }

    static List<HasMetadata> typed(List<Map<String, Object>> resources) {
        List<HasMetadata> out = new ArrayList<>();
        resources.forEach(r -> out.add(typed(r)));
        return out;
    }

    /**
     * Paths of fields the model did not recognise (a typo such as {@code readinesProbe} or a field in the
     * wrong place), which Kubernetes would reject or, worse, silently drop.
     */
    static List<String> unknownFields(Object model) {
        List<String> out = new ArrayList<>();
        walk(model, "", out);
        return out;
    }

    private static void walk(Object o, String path, List<String> out) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean
                || o instanceof Quantity || o instanceof IntOrString || o instanceof Enum<?>) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, out));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = m.getName();
            if (!name.startsWith("get") || name.equals("getClass")) {
                continue;
            }
            try {
                Object v = m.invoke(o);
                if (name.equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        extra.keySet().forEach(k -> out.add(path + "." + k));
                    }
                } else if (!name.equals("getMetadata") || v != null) {
                    String field = Character.toLowerCase(name.charAt(3)) + name.substring(4);
                    walk(v, path + "." + field, out);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // a computed getter that does not apply (e.g. on an empty object): not a field
            }
        }
    }
}
