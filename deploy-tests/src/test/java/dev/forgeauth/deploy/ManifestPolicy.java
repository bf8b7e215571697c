package dev.forgeauth.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules every rendered manifest set must satisfy (deploy/README.md, "What the manifests guarantee").
 * {@link #check} returns one line per violation, naming the resource and container.
 */
final class ManifestPolicy {

    /** Names that say "secret": a ConfigMap key or a literal env var so named is refused. */
    static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(KEK|SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE[_.-]?KEY|API[_.-]?KEY|AUTH[_.-]?KEY).*");
    /** ...unless the name says it is about such a thing rather than the thing (FORGE_TOKEN_DEFAULT_TTL). */
    static final Pattern NOT_A_SECRET_NAME = Pattern.compile("(?i).*[_.-](TTL|LIFETIME|URL|ENDPOINT|PATH|ALGORITHM)$");
    private static final Pattern PEM = Pattern.compile("-----BEGIN [A-Z ]+-----");
    private static final Pattern URL_WITH_PASSWORD = Pattern.compile("(?i)[a-z][a-z0-9+.-]*://[^/\\s:@]*:[^/\\s@]+@");
    private static final Pattern KNOWN_TOKEN = Pattern.compile(
            "(sk_live_|dfpat_|df_rt_|dfs_|dfm_)[0-9A-Za-z]{20,}|eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}");
    private static final Pattern RANDOM_LOOKING = Pattern.compile("[A-Za-z0-9+/=_-]{24,}");

    /** Probe paths of the Forge Auth images (contract: every service answers /q/health/live and /ready). */
    private static final Pattern FORGE_IMAGE = Pattern.compile("(.*/)?forge-auth/[a-z-]+[:@].*");

    private ManifestPolicy() {
    }

    static List<String> check(List<HasMetadata> resources) {
        List<String> v = new ArrayList<>();
        Map<String, ConfigMap> configMaps = new HashMap<>();
        for (HasMetadata r : resources) {
            if (r instanceof ConfigMap cm) {
                configMaps.put(cm.getMetadata().getName(), cm);
            }
        }
        for (HasMetadata r : resources) {
            String id = r.getKind() + "/" + r.getMetadata().getName();
            for (String field : K8s.unknownFields(r)) {
                v.add(id + ": field not in the Kubernetes API: " + field.substring(1));
            }
            if (r instanceof ConfigMap cm) {
                checkConfigMap(id, cm, v);
            }
            if (r instanceof Secret s) {
                boolean data = s.getData() != null && !s.getData().isEmpty();
                boolean stringData = s.getStringData() != null && !s.getStringData().isEmpty();
                if (data || stringData) {
                    v.add(id + ": a Secret with values in the manifests (create Secrets outside them: deploy/README.md)");
                }
            }
            if (r instanceof Service svc) {
                String type = Optional.ofNullable(svc.getSpec().getType()).orElse("ClusterIP");
                if (!type.equals("ClusterIP")) {
                    v.add(id + ": Service of type " + type + " (only the gateway is exposed, through the Ingress)");
                }
            }
            if (r instanceof Ingress ing) {
                checkIngress(id, ing, v);
            }
            PodSpec pod = podSpec(r);
            if (pod != null) {
                Set<String> claims = new HashSet<>();
                if (r instanceof StatefulSet s && s.getSpec().getVolumeClaimTemplates() != null) {
                    s.getSpec().getVolumeClaimTemplates().forEach(t -> claims.add(t.getMetadata().getName()));
                }
                checkPod(id, pod, claims, configMaps, v);
            }
        }
        return v;
    }

    static PodSpec podSpec(HasMetadata r) {
        PodTemplateSpec t = null;
        if (r instanceof Deployment d) {
            t = d.getSpec().getTemplate();
        } else if (r instanceof StatefulSet s) {
            t = s.getSpec().getTemplate();
        } else if (r instanceof DaemonSet ds) {
            t = ds.getSpec().getTemplate();
        } else if (r instanceof ReplicaSet rs) {
            t = rs.getSpec().getTemplate();
        } else if (r instanceof Job j) {
            t = j.getSpec().getTemplate();
        } else if (r instanceof CronJob cj) {
            t = cj.getSpec().getJobTemplate().getSpec().getTemplate();
        } else if (r instanceof Pod p) {
            return p.getSpec();
        }
        return t == null ? null : t.getSpec();
    }

    private static void checkConfigMap(String id, ConfigMap cm, List<String> v) {
        Map<String, String> data = new HashMap<>();
        if (cm.getData() != null) {
            data.putAll(cm.getData());
        }
        if (cm.getBinaryData() != null && !cm.getBinaryData().isEmpty()) {
            v.add(id + ": binaryData in a ConfigMap (is it a key or a certificate? use a Secret)");
        }
        data.forEach((key, value) -> {
            if (secretName(key)) {
                v.add(id + ": key '" + key + "' looks like a secret: put it in a Secret and use secretKeyRef");
            }
            String why = secretValue(value);
            if (why != null) {
                v.add(id + ": the value of '" + key + "' looks like a secret (" + why + ")");
            }
        });
    }

    static boolean secretName(String name) {
        return SECRET_NAME.matcher(name).matches() && !NOT_A_SECRET_NAME.matcher(name).matches();
    }

    /** Why a literal value looks like a secret, or null. */
    static String secretValue(String value) {
        if (value == null) {
            return null;
        }
        if (PEM.matcher(value).find()) {
            return "PEM key or certificate";
        }
        if (URL_WITH_PASSWORD.matcher(value).find()) {
            return "URL with a password";
        }
        if (KNOWN_TOKEN.matcher(value).find()) {
            return "a token";
        }
        for (String word : value.split("[\\s,;]+")) {
            if (RANDOM_LOOKING.matcher(word).matches() && randomLooking(word)) {
                return "a long random string";
            }
        }
        return null;
    }

    private static boolean randomLooking(String s) {
        boolean upper = s.chars().anyMatch(Character::isUpperCase);
        boolean lower = s.chars().anyMatch(Character::isLowerCase);
        boolean digit = s.chars().anyMatch(Character::isDigit);
        if (!(upper && lower && digit)) {
            return false;
        }
        Map<Integer, Integer> counts = new HashMap<>();
        s.chars().forEach(c -> counts.merge(c, 1, Integer::sum));
        double h = 0;
        for (int n : counts.values()) {
            double p = (double) n / s.length();
            h -= p * Math.log(p) / Math.log(2);
        }
        return h > 3.5;
    }

    private static void checkIngress(String id, Ingress ing, List<String> v) {
        List<IngressBackend> backends = new ArrayList<>();
        if (ing.getSpec().getDefaultBackend() != null) {
            backends.add(ing.getSpec().getDefaultBackend());
        }
        for (IngressRule rule : Optional.ofNullable(ing.getSpec().getRules()).orElse(List.of())) {
            if (rule.getHttp() != null) {
                for (HTTPIngressPath p : rule.getHttp().getPaths()) {
                    backends.add(p.getBackend());
                }
            }
        }
        for (IngressBackend b : backends) {
            if (b.getService() == null || !"gateway".equals(b.getService().getName())) {
                v.add(id + ": an Ingress backend other than the gateway Service");
            }
        }
    }

    private static void checkPod(String id, PodSpec pod, Set<String> claims, Map<String, ConfigMap> configMaps,
            List<String> v) {
        PodSecurityContext psc = Optional.ofNullable(pod.getSecurityContext()).orElse(new PodSecurityContext());
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            v.add(id + ": uses the host's network, PID or IPC namespace");
        }
        Map<String, Volume> volumes = new HashMap<>();
        for (Volume vol : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
            volumes.put(vol.getName(), vol);
            if (vol.getHostPath() != null) {
                v.add(id + ": hostPath volume " + vol.getName());
            }
        }
        List<Container> all = new ArrayList<>();
        Optional.ofNullable(pod.getInitContainers()).ifPresent(all::addAll);
        int inits = all.size();
        all.addAll(Optional.ofNullable(pod.getContainers()).orElse(List.of()));
        if (pod.getContainers() == null || pod.getContainers().isEmpty()) {
            v.add(id + ": no containers");
        }
        for (int i = 0; i < all.size(); i++) {
            Container c = all.get(i);
            String cid = id + " container " + c.getName();
            checkImage(cid, c.getImage(), v);
            checkResources(cid, c.getResources(), v);
            checkSecurity(cid, c, psc, v);
            checkTmp(cid, c, volumes, claims, v);
            checkEnv(cid, c, configMaps, v);
            if (i >= inits) {
                checkProbes(cid, c, v);
            }
        }
    }

    static void checkImage(String cid, String image, List<String> v) {
        if (image == null || image.isBlank()) {
            v.add(cid + ": no image");
            return;
        }
        if (image.contains("@sha256:")) {
            return;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            v.add(cid + ": image '" + image + "' has no tag (that means latest): use an explicit version");
        } else if (image.substring(colon + 1).equalsIgnoreCase("latest")) {
            v.add(cid + ": image '" + image + "' uses the tag latest: use an explicit version");
        }
    }

    private static void checkResources(String cid, ResourceRequirements r, List<String> v) {
        if (r == null) {
            v.add(cid + ": no resources (CPU and memory requests and limits)");
            return;
        }
        for (String kind : List.of("cpu", "memory")) {
            Quantity req = r.getRequests() == null ? null : r.getRequests().get(kind);
            Quantity lim = r.getLimits() == null ? null : r.getLimits().get(kind);
            if (req == null) {
                v.add(cid + ": no " + kind + " request");
            }
            if (lim == null) {
                v.add(cid + ": no " + kind + " limit");
            }
            if (req != null && lim != null) {
                BigDecimal rq = Quantity.getAmountInBytes(req);
                BigDecimal lm = Quantity.getAmountInBytes(lim);
                if (rq.compareTo(lm) > 0) {
                    v.add(cid + ": " + kind + " request " + req + " above its limit " + lim);
                }
            }
        }
    }

    private static void checkSecurity(String cid, Container c, PodSecurityContext psc, List<String> v) {
        SecurityContext sc = Optional.ofNullable(c.getSecurityContext()).orElse(new SecurityContext());
        Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc.getRunAsNonRoot();
        Long user = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
        if (!Boolean.TRUE.equals(nonRoot)) {
            v.add(cid + ": may run as root (runAsNonRoot is not true)");
        }
        if (user != null && user == 0L) {
            v.add(cid + ": runs as root (runAsUser 0)");
        }
        if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
            v.add(cid + ": allowPrivilegeEscalation is not false");
        }
        if (Boolean.TRUE.equals(sc.getPrivileged())) {
            v.add(cid + ": privileged");
        }
        if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
            v.add(cid + ": root filesystem not read-only");
        }
        boolean dropAll = sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
                && sc.getCapabilities().getDrop().contains("ALL");
        if (!dropAll) {
            v.add(cid + ": capabilities not dropped (drop: [ALL])");
        }
        if (sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
                && !Set.of("NET_BIND_SERVICE").containsAll(sc.getCapabilities().getAdd())) {
            v.add(cid + ": adds capabilities " + sc.getCapabilities().getAdd());
        }
        SeccompProfile seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : psc.getSeccompProfile();
        if (seccomp == null || !Set.of("RuntimeDefault", "Localhost").contains(seccomp.getType())) {
            v.add(cid + ": no seccomp profile (RuntimeDefault)");
        }
    }

    /** A read-only root needs somewhere to write temporary files: an emptyDir at /tmp. */
    private static void checkTmp(String cid, Container c, Map<String, Volume> volumes, Set<String> claims,
            List<String> v) {
        boolean tmp = false;
        for (VolumeMount m : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
            Volume vol = volumes.get(m.getName());
            if (vol == null && claims.contains(m.getName())) {
                continue;
            }
            if (vol == null) {
                v.add(cid + ": mounts an undeclared volume " + m.getName());
            } else if ("/tmp".equals(m.getMountPath()) && vol.getEmptyDir() != null) {
                tmp = true;
            }
        }
        if (!tmp) {
            v.add(cid + ": no emptyDir mounted at /tmp (the root filesystem is read-only)");
        }
    }

    private static void checkEnv(String cid, Container c, Map<String, ConfigMap> configMaps, List<String> v) {
        for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            boolean secretish = secretName(e.getName());
            if (e.getValue() != null) {
                if (secretish) {
                    v.add(cid + ": env " + e.getName() + " has a literal value: take it from a Secret (secretKeyRef)");
                }
                String why = secretValue(e.getValue());
                if (why != null) {
                    v.add(cid + ": env " + e.getName() + " value looks like a secret (" + why + ")");
                }
            } else if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null && secretish) {
                v.add(cid + ": env " + e.getName() + " comes from a ConfigMap: take it from a Secret (secretKeyRef)");
            }
        }
        Optional.ofNullable(c.getEnvFrom()).orElse(List.of()).forEach(ef -> {
            if (ef.getConfigMapRef() != null && !configMaps.containsKey(ef.getConfigMapRef().getName())
                    && !Boolean.TRUE.equals(ef.getConfigMapRef().getOptional())) {
                v.add(cid + ": envFrom names a ConfigMap that is not in the manifests: " + ef.getConfigMapRef().getName());
            }
        });
    }

    private static void checkProbes(String cid, Container c, List<String> v) {
        Map<String, Probe> probes = new HashMap<>();
        probes.put("liveness", c.getLivenessProbe());
        probes.put("readiness", c.getReadinessProbe());
        probes.put("startup", c.getStartupProbe());
        probes.forEach((kind, p) -> {
            if (p == null) {
                v.add(cid + ": no " + kind + " probe");
            } else if (p.getHttpGet() == null && p.getTcpSocket() == null && p.getExec() == null && p.getGrpc() == null) {
                v.add(cid + ": " + kind + " probe without a handler");
            } else if (p.getHttpGet() != null && !portDeclared(c, p.getHttpGet().getPort().getStrVal(),
                    p.getHttpGet().getPort().getIntVal())) {
                v.add(cid + ": " + kind + " probe on a port the container does not declare");
            }
        });
        if (c.getImage() != null && FORGE_IMAGE.matcher(c.getImage()).matches()) {
            expectPath(cid, "liveness", c.getLivenessProbe(), Set.of("/q/health/live"), v);
            expectPath(cid, "readiness", c.getReadinessProbe(), Set.of("/q/health/ready"), v);
            expectPath(cid, "startup", c.getStartupProbe(), Set.of("/q/health/started", "/q/health/live"), v);
        }
    }

    private static void expectPath(String cid, String kind, Probe p, Set<String> paths, List<String> v) {
        if (p != null && (p.getHttpGet() == null || !paths.contains(p.getHttpGet().getPath()))) {
            v.add(cid + ": " + kind + " probe must be an HTTP GET of " + String.join(" or ", paths));
        }
    }

    private static boolean portDeclared(Container c, String name, Integer number) {
        for (ContainerPort p : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
            if ((name != null && name.equals(p.getName())) || (number != null && Objects.equals(number, p.getContainerPort()))) {
                return true;
            }
        }
        return false;
    }
}
