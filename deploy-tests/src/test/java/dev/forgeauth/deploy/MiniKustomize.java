package dev.forgeauth.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The subset of kustomize that deploy/k8s uses, in Java, so that the merged view of every overlay is
 * checked even where kubectl is absent: {@code resources} (files and directories), {@code patches}
 * (strategic-merge patches from a file or inline, matched by kind and name or by an explicit target),
 * {@code namespace} and {@code images}. Anything else in a kustomization fails loudly, so that the
 * checks never run on a view that differs from what kustomize would produce; where kubectl is present,
 * {@link KubectlKustomizeTest} compares the two.
 *
 * <p>Strategic merge as Kubernetes defines it for the fields used here: maps merge key by key, a
 * {@code null} deletes, lists with a patch merge key ({@code name} for containers, env, volumes;
 * {@code mountPath} for volume mounts; {@code containerPort}/{@code port} for ports; {@code topologyKey}
 * for spread constraints) merge element by element, other lists are replaced.
 */
final class MiniKustomize {

    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "patches", "namespace", "images");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "IngressClass", "PriorityClass");

    private MiniKustomize() {
    }

    /** Every file a kustomization (and the ones it includes) reads. */
    static Set<Path> referencedFiles(Path dir) {
        Set<Path> files = new LinkedHashSet<>();
        collect(dir, files);
        return files;
    }

    private static void collect(Path dir, Set<Path> files) {
        Path kfile = dir.resolve("kustomization.yaml");
        files.add(kfile.normalize());
        Map<String, Object> k = Yaml.single(kfile);
        for (String r : strings(k.get("resources"))) {
            Path p = dir.resolve(r).normalize();
            if (Files.isDirectory(p)) {
                collect(p, files);
            } else {
                files.add(p);
            }
        }
        for (Map<String, Object> patch : maps(k.get("patches"))) {
            if (patch.get("path") != null) {
                files.add(dir.resolve((String) patch.get("path")).normalize());
            }
        }
    }

    static List<Map<String, Object>> render(Path dir) {
        Path kfile = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(kfile)) {
            throw new IllegalArgumentException("no kustomization.yaml in " + dir);
        }
        Map<String, Object> k = Yaml.single(kfile);
        for (String key : k.keySet()) {
            if (!SUPPORTED.contains(key)) {
                throw new UnsupportedOperationException(kfile + ": '" + key + "' is not supported by MiniKustomize;"
                        + " extend it (and KubectlKustomizeTest proves it still matches kustomize)");
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (String r : strings(k.get("resources"))) {
            Path p = dir.resolve(r).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(render(p));
            } else {
                out.addAll(Yaml.documents(p));
            }
        }
        Set<String> ids = new LinkedHashSet<>();
        for (Map<String, Object> res : out) {
            if (!ids.add(id(res))) {
                throw new IllegalStateException(dir + ": resource defined twice: " + id(res));
            }
        }
        for (Map<String, Object> patch : maps(k.get("patches"))) {
            applyPatch(dir, patch, out);
        }
        if (k.get("namespace") != null) {
            String ns = (String) k.get("namespace");
            for (Map<String, Object> res : out) {
                Map<String, Object> meta = map(res, "metadata");
                if ("Namespace".equals(res.get("kind"))) {
                    meta.put("name", ns);
                } else if (!CLUSTER_SCOPED.contains(res.get("kind"))) {
                    meta.put("namespace", ns);
                }
            }
        }
        for (Map<String, Object> image : maps(k.get("images"))) {
            for (Map<String, Object> res : out) {
                for (Map<String, Object> c : containers(res)) {
                    c.put("image", retag((String) c.get("image"), image));
                }
            }
        }
        return out;
    }

    static String id(Map<String, Object> res) {
        Map<?, ?> meta = (Map<?, ?>) res.get("metadata");
        return res.get("kind") + "/" + (meta == null ? null : meta.get("name"));
    }

    private static void applyPatch(Path dir, Map<String, Object> spec, List<Map<String, Object>> resources) {
        for (String key : spec.keySet()) {
            if (!Set.of("path", "patch", "target").contains(key)) {
                throw new UnsupportedOperationException(dir + ": patch option '" + key + "' is not supported by MiniKustomize");
            }
        }
        List<Map<String, Object>> docs = spec.get("path") != null
                ? Yaml.documents(dir.resolve((String) spec.get("path")))
                : Yaml.documents((String) spec.get("patch"));
        Map<String, Object> target = map(spec, "target");
        for (Map<String, Object> doc : docs) {
            if (doc.containsKey("op") || doc.containsKey("path")) {
                throw new UnsupportedOperationException(dir + ": JSON 6902 patches are not supported by MiniKustomize");
            }
            int matched = 0;
            for (Map<String, Object> res : resources) {
                if (matches(res, doc, target)) {
                    Map<String, Object> patch = new LinkedHashMap<>(doc);
                    if (target != null) { // kustomize applies a targeted patch whatever name the patch carries
                        Map<String, Object> meta = new LinkedHashMap<>(map(doc, "metadata"));
                        meta.remove("name");
                        patch.put("metadata", meta);
                    }
                    patch.remove("apiVersion");
                    patch.remove("kind");
                    merge(res, patch, res.get("kind") + ":");
                    matched++;
                }
            }
            if (matched == 0) {
                throw new IllegalStateException(dir + ": patch matches no resource: " + id(doc));
            }
        }
    }

    private static boolean matches(Map<String, Object> res, Map<String, Object> patch, Map<String, Object> target) {
        if (target == null) {
            return Objects.equals(res.get("kind"), patch.get("kind"))
                    && Objects.equals(map(res, "metadata").get("name"), map(patch, "metadata").get("name"));
        }
        for (String key : target.keySet()) {
            if (!Set.of("kind", "name", "labelSelector").contains(key)) {
                throw new UnsupportedOperationException("patch target '" + key + "' is not supported by MiniKustomize");
            }
        }
        if (target.get("kind") != null && !target.get("kind").equals(res.get("kind"))) {
            return false;
        }
        if (target.get("name") != null && !target.get("name").equals(map(res, "metadata").get("name"))) {
            return false;
        }
        if (target.get("labelSelector") != null) {
            Map<String, Object> labels = map(map(res, "metadata"), "labels");
            for (String term : ((String) target.get("labelSelector")).split(",")) {
                String[] kv = term.trim().split("=", 2);
                if (kv.length != 2 || labels == null || !kv[1].equals(labels.get(kv[0]))) {
                    return false;
                }
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> base, Map<String, Object> patch, String path) {
        if (patch.containsKey("$patch")) {
            throw new UnsupportedOperationException("$patch directives are not supported by MiniKustomize: " + path);
        }
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String key = e.getKey();
            Object pv = e.getValue();
            Object bv = base.get(key);
            String here = path + "." + key;
            if (pv == null) {
                base.remove(key);
            } else if (pv instanceof Map && bv instanceof Map) {
                merge((Map<String, Object>) bv, (Map<String, Object>) pv, here);
            } else if (pv instanceof List && bv instanceof List && mergeKey(here) != null) {
                mergeList((List<Object>) bv, (List<Object>) pv, mergeKey(here), here);
            } else {
                base.put(key, deepCopy(pv));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void mergeList(List<Object> base, List<Object> patch, String key, String path) {
        for (Object p : patch) {
            Map<String, Object> pm = (Map<String, Object>) p;
            Object k = pm.get(key);
            Map<String, Object> existing = null;
            for (Object b : base) {
                if (b instanceof Map && Objects.equals(((Map<?, ?>) b).get(key), k)) {
                    existing = (Map<String, Object>) b;
                }
            }
            if (existing != null) {
                merge(existing, pm, path + "[" + k + "]");
            } else {
                base.add(deepCopy(pm));
            }
        }
    }

    /** The patch merge keys of the Kubernetes API for the lists deploy/k8s patches. */
    private static String mergeKey(String path) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        return switch (field) {
            case "containers", "initContainers", "env", "volumes", "imagePullSecrets", "volumeClaimTemplates" -> "name";
            case "volumeMounts" -> "mountPath";
            case "topologySpreadConstraints" -> "topologyKey";
            case "ports" -> path.contains("ontainers[") ? "containerPort" : path.startsWith("Service:") ? "port" : null;
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>();
            l.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }

    private static String retag(String image, Map<String, Object> rule) {
        if (image == null) {
            return null;
        }
        String name = image;
        String suffix = "";
        int at = image.indexOf('@');
        if (at >= 0) {
            name = image.substring(0, at);
            suffix = image.substring(at);
        } else {
            int colon = image.lastIndexOf(':');
            if (colon > image.lastIndexOf('/')) {
                name = image.substring(0, colon);
                suffix = image.substring(colon);
            }
        }
        if (!name.equals(rule.get("name"))) {
            return image;
        }
        if (rule.get("newName") != null) {
            name = (String) rule.get("newName");
        }
        if (rule.get("digest") != null) {
            suffix = "@" + rule.get("digest");
        } else if (rule.get("newTag") != null) {
            suffix = ":" + rule.get("newTag");
        }
        return name + suffix;
    }

    /** Containers and init containers of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> containers(Map<String, Object> res) {
        Map<String, Object> podSpec = switch (String.valueOf(res.get("kind"))) {
            case "Pod" -> map(res, "spec");
            case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job" -> map(map(map(res, "spec"), "template"), "spec");
            case "CronJob" -> map(map(map(map(map(res, "spec"), "jobTemplate"), "spec"), "template"), "spec");
            default -> null;
        };
        List<Map<String, Object>> out = new ArrayList<>();
        if (podSpec != null) {
            for (String f : List.of("initContainers", "containers")) {
                if (podSpec.get(f) instanceof List<?> l) {
                    l.forEach(c -> out.add((Map<String, Object>) c));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        return m == null ? null : (Map<String, Object>) m.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return o == null ? List.of() : (List<String>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }
}
