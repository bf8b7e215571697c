package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What each overlay adds to the base (deploy/README.md). */
class OverlaysTest {

    private static final String NAME = "app.kubernetes.io/name";

    @Test
    void baseDeploysTheThreeServicesAndTheGatewayIngressOnly() {
        List<HasMetadata> base = Rendered.typed("base");
        Set<String> workloads = base.stream().filter(r -> ManifestPolicy.podSpec(r) != null)
                .map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
        assertEquals(Set.copyOf(Rendered.SERVICES), workloads);
        assertEquals(1, Rendered.all(base, Ingress.class).size());
        for (Deployment d : Rendered.all(base, Deployment.class)) {
            assertEquals(null, d.getSpec().getReplicas(), d.getMetadata().getName()
                    + ": no replica count in the base (the prod HorizontalPodAutoscaler owns it)");
            assertTrue(d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() >= 30,
                    "room for the shutdown delay and the in-flight requests");
        }
    }

    /** Behind the Ingress the gateway must see the client's address, not the ingress controller's. */
    @Test
    void theGatewayTakesTheClientAddressFromTheIngressController() {
        for (String target : Rendered.TARGETS) {
            Deployment gateway = Rendered.find(Rendered.typed(target), Deployment.class, "gateway").orElseThrow();
            Map<String, String> env = gateway.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
            assertEquals("true", env.get("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING"), target);
            assertEquals("true", env.get("QUARKUS_HTTP_PROXY_ALLOW_X_FORWARDED"), target);
            assertEquals("$(FORGE_INGRESS_PROXIES)", env.get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES"), target);
        }
    }

    /**
     * The gateway's /q/* (health, metrics, openapi) is on its management interface, a port of its own
     * that neither the Service nor the Ingress exposes: probes and the Prometheus scrape go there.
     */
    @Test
    void theGatewayServesQOnItsManagementPortOnlyNeverThroughTheIngress() throws Exception {
        for (String target : Rendered.TARGETS) {
            List<HasMetadata> all = Rendered.typed(target);
            Deployment gateway = Rendered.find(all, Deployment.class, "gateway").orElseThrow();
            var pod = gateway.getSpec().getTemplate();
            var c = pod.getSpec().getContainers().get(0);
            assertTrue(c.getPorts().stream().anyMatch(p -> "management".equals(p.getName()) && p.getContainerPort() == 9000),
                    target + ": a management port 9000");
            Map<String, String> env = c.getEnv().stream().filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
            assertEquals("9000", env.get("QUARKUS_MANAGEMENT_PORT"), target);
            assertEquals("0.0.0.0", env.get("QUARKUS_MANAGEMENT_HOST"), target + ": reachable by the kubelet");
            for (var probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
                assertEquals("management", probe.getHttpGet().getPort().getStrVal(), target + ": probe on the management port");
                assertTrue(probe.getHttpGet().getPath().startsWith("/q/health/"), target);
            }
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            assertEquals("true", annotations.get("prometheus.io/scrape"), target);
            assertEquals("9000", annotations.get("prometheus.io/port"), target);
            assertEquals("/q/metrics", annotations.get("prometheus.io/path"), target);
            io.fabric8.kubernetes.api.model.Service service = Rendered.find(all, io.fabric8.kubernetes.api.model.Service.class,
                    "gateway").orElseThrow();
            for (var port : service.getSpec().getPorts()) {
                assertFalse(port.getPort() == 9000 || "management".equals(port.getTargetPort().getStrVal())
                        || Integer.valueOf(9000).equals(port.getTargetPort().getIntVal()),
                        target + ": the gateway Service exposes the management port");
            }
            for (Ingress ingress : Rendered.all(all, Ingress.class)) {
                ingress.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> {
                    var port = p.getBackend().getService().getPort();
                    assertFalse(Integer.valueOf(9000).equals(port.getNumber()) || "management".equals(port.getName()),
                            "the Ingress reaches the management port");
                }));
            }
        }
        // in prod, only the monitoring namespace reaches it; the ingress controller and the internet never
        List<NetworkPolicy> policies = Rendered.all(Rendered.typed("overlays/prod"), NetworkPolicy.class);
        Map<String, String> gateway = Map.of(NAME, "gateway");
        assertFalse(ingressAllowed(policies, gateway,
                new Peer(Map.of("kubernetes.io/metadata.name", "ingress-nginx"), Map.of(), false), 9000));
        assertFalse(ingressAllowed(policies, gateway, new Peer(null, null, true), 9000));
        assertTrue(ingressAllowed(policies, gateway, new Peer(Map.of("forge-auth/monitoring", "true"), Map.of(), false), 9000));
        assertFalse(ingressAllowed(policies, gateway, new Peer(Map.of("forge-auth/monitoring", "true"), Map.of(), false), 8080));
        // and the images are built with the management interface on (a build-time setting)
        for (String file : List.of("Dockerfile.native", "Dockerfile.jvm")) {
            String text = java.nio.file.Files.readString(Repo.root().resolve("gateway/src/main/docker/" + file));
            assertTrue(text.contains("-Dquarkus.management.enabled=true"), file);
        }
    }

    @Test
    void devAddsPostgresRedisAndTheEchoService() {
        List<HasMetadata> dev = Rendered.typed("overlays/dev");
        assertTrue(Rendered.find(dev, StatefulSet.class, "postgres").isPresent());
        assertTrue(Rendered.find(dev, Deployment.class, "redis").isPresent());
        assertTrue(Rendered.find(dev, Deployment.class, "echo-upstream").isPresent());
        ConfigMap config = Rendered.find(dev, ConfigMap.class, "forge-config").orElseThrow();
        assertEquals("http://echo-upstream:8090", config.getData().get("FORGE_ECHO_URL"));
        assertEquals("forge-auth", config.getMetadata().getNamespace());
    }

    @Test
    void prodHasNoDatabaseNoRedisNoDemoAndVersionedImagesOfItsRegistry() {
        List<HasMetadata> prod = Rendered.typed("overlays/prod");
        Set<String> workloads = prod.stream().filter(r -> ManifestPolicy.podSpec(r) != null)
                .map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
        assertEquals(Set.copyOf(Rendered.SERVICES), workloads);
        for (Deployment d : Rendered.all(prod, Deployment.class)) {
            String image = d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
            assertTrue(image.matches("registry\\.example\\.com/forge-auth/" + d.getMetadata().getName() + ":\\d+\\.\\d+\\.\\d+"), image);
        }
        Ingress ingress = Rendered.all(prod, Ingress.class).get(0);
        assertFalse(ingress.getSpec().getTls().isEmpty(), "TLS on the way in");
    }

    @Test
    void prodScalesEachServiceAndBoundsItsDisruption() {
        List<HasMetadata> prod = Rendered.typed("overlays/prod");
        List<String> problems = new ArrayList<>();
        for (String name : Rendered.SERVICES) {
            Deployment d = Rendered.find(prod, Deployment.class, name).orElseThrow();
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            Optional<HorizontalPodAutoscaler> hpa = Rendered.all(prod, HorizontalPodAutoscaler.class).stream()
                    .filter(h -> h.getSpec().getScaleTargetRef().getKind().equals("Deployment")
                            && h.getSpec().getScaleTargetRef().getName().equals(name))
                    .findFirst();
            if (hpa.isEmpty()) {
                problems.add(name + ": no HorizontalPodAutoscaler");
            } else if (hpa.get().getSpec().getMinReplicas() == null || hpa.get().getSpec().getMinReplicas() < 2) {
                problems.add(name + ": HorizontalPodAutoscaler allows fewer than 2 replicas");
            }
            List<PodDisruptionBudget> pdbs = Rendered.all(prod, PodDisruptionBudget.class).stream()
                    .filter(p -> selects(p.getSpec().getSelector(), podLabels)).toList();
            if (pdbs.size() != 1) {
                problems.add(name + ": " + pdbs.size() + " PodDisruptionBudgets select its pods (want 1)");
            }
            List<TopologySpreadConstraint> spread = Optional.ofNullable(
                    d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).orElse(List.of());
            Set<String> keys = spread.stream().filter(t -> selects(t.getLabelSelector(), podLabels))
                    .map(TopologySpreadConstraint::getTopologyKey).collect(Collectors.toSet());
            if (!keys.containsAll(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"))) {
                problems.add(name + ": pods not spread over nodes and zones: " + keys);
            }
        }
        assertEquals(List.of(), problems);
    }

    /**
     * The prod NetworkPolicies, evaluated the way Kubernetes does: a pod selected by some policy of a type
     * admits only what one of them allows. "Outside" is a pod of the ingress controller's namespace or
     * any address beyond the cluster; PostgreSQL and Redis are outside this namespace.
     */
    @Test
    void prodNetworkPoliciesAdmitOnlyTheGatewayAndLetOnlyTheServicesReachPostgresAndRedis() {
        List<NetworkPolicy> policies = Rendered.all(Rendered.typed("overlays/prod"), NetworkPolicy.class);
        Map<String, String> gateway = Map.of(NAME, "gateway");
        Map<String, String> auth = Map.of(NAME, "auth-service");
        Map<String, String> introspection = Map.of(NAME, "token-introspection-service");
        Map<String, String> other = Map.of(NAME, "something-else");
        Peer ingressController = new Peer(Map.of("kubernetes.io/metadata.name", "ingress-nginx"), Map.of(), false);
        Peer internet = new Peer(null, null, true);
        Peer gatewayPod = new Peer(null, gateway, false);
        Peer otherPod = new Peer(null, other, false);
        Peer externalDatabase = new Peer(null, null, true);

        assertTrue(ingressAllowed(policies, gateway, ingressController, 8080));
        assertFalse(ingressAllowed(policies, gateway, internet, 8080), "the ingress controller is the only way in");
        for (Map<String, String> inner : List.of(auth, introspection, other)) {
            for (int port : List.of(8081, 8082, 8080, 8090)) {
                assertFalse(ingressAllowed(policies, inner, ingressController, port), inner + " reachable from outside");
                assertFalse(ingressAllowed(policies, inner, internet, port), inner + " reachable from outside");
            }
        }
        assertTrue(ingressAllowed(policies, auth, gatewayPod, 8081));
        assertTrue(ingressAllowed(policies, introspection, gatewayPod, 8082));
        assertFalse(ingressAllowed(policies, auth, otherPod, 8081));

        for (int port : List.of(5432)) {
            assertTrue(egressAllowed(policies, auth, externalDatabase, port));
            assertTrue(egressAllowed(policies, introspection, externalDatabase, port));
            assertFalse(egressAllowed(policies, gateway, externalDatabase, port), "the gateway has no database");
            assertFalse(egressAllowed(policies, other, externalDatabase, port));
        }
        for (int port : List.of(6379, 26379)) {
            for (Map<String, String> service : List.of(auth, introspection, gateway)) {
                assertTrue(egressAllowed(policies, service, externalDatabase, port), service + " to Redis :" + port);
            }
            assertFalse(egressAllowed(policies, other, externalDatabase, port));
        }
        assertFalse(egressAllowed(policies, auth, internet, 443), "no way out but PostgreSQL, Redis and DNS");
    }

    /** A peer: a pod (namespace labels null = this namespace) or, with external, an address outside the cluster. */
    record Peer(Map<String, String> namespaceLabels, Map<String, String> podLabels, boolean external, String ip) {

        Peer(Map<String, String> namespaceLabels, Map<String, String> podLabels, boolean external) {
            this(namespaceLabels, podLabels, external, null);
        }
    }

    static boolean ingressAllowed(List<NetworkPolicy> policies, Map<String, String> pod, Peer from, int port) {
        List<NetworkPolicy> applying = policies.stream()
                .filter(p -> types(p).contains("Ingress") && selects(p.getSpec().getPodSelector(), pod)).toList();
        if (applying.isEmpty()) {
            return true;
        }
        for (NetworkPolicy p : applying) {
            for (NetworkPolicyIngressRule r : Optional.ofNullable(p.getSpec().getIngress()).orElse(List.of())) {
                if (portMatches(r.getPorts(), port) && peersMatch(r.getFrom(), from)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean egressAllowed(List<NetworkPolicy> policies, Map<String, String> pod, Peer to, int port) {
        List<NetworkPolicy> applying = policies.stream()
                .filter(p -> types(p).contains("Egress") && selects(p.getSpec().getPodSelector(), pod)).toList();
        if (applying.isEmpty()) {
            return true;
        }
        for (NetworkPolicy p : applying) {
            for (NetworkPolicyEgressRule r : Optional.ofNullable(p.getSpec().getEgress()).orElse(List.of())) {
                if (portMatches(r.getPorts(), port) && peersMatch(r.getTo(), to)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> types(NetworkPolicy p) {
        if (p.getSpec().getPolicyTypes() != null && !p.getSpec().getPolicyTypes().isEmpty()) {
            return p.getSpec().getPolicyTypes();
        }
        return p.getSpec().getEgress() == null ? List.of("Ingress") : List.of("Ingress", "Egress");
    }

    private static boolean portMatches(List<NetworkPolicyPort> ports, int port) {
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        return ports.stream().anyMatch(p -> p.getPort() == null
                || (p.getPort().getIntVal() != null && p.getPort().getIntVal() == port)
                || (p.getEndPort() != null && p.getPort().getIntVal() != null
                        && p.getPort().getIntVal() <= port && port <= p.getEndPort()));
    }

    private static boolean peersMatch(List<NetworkPolicyPeer> peers, Peer peer) {
        if (peers == null || peers.isEmpty()) {
            return true; // any source / destination
        }
        for (NetworkPolicyPeer p : peers) {
            if (p.getIpBlock() != null) {
                if (peer.external() && (peer.ip() == null || inBlock(p.getIpBlock(), peer.ip()))) {
                    return true; // without an address, conservative: the ipBlock may cover it
                }
                continue;
            }
            if (peer.external()) {
                continue; // selectors only ever match pods
            }
            boolean nsOk = p.getNamespaceSelector() == null
                    ? peer.namespaceLabels() == null
                    : selects(p.getNamespaceSelector(), peer.namespaceLabels() == null
                            ? Map.of("kubernetes.io/metadata.name", "forge-auth") : peer.namespaceLabels());
            boolean podOk = p.getPodSelector() == null || selects(p.getPodSelector(), peer.podLabels());
            if (nsOk && podOk) {
                return true;
            }
        }
        return false;
    }

    static boolean inBlock(io.fabric8.kubernetes.api.model.networking.v1.IPBlock block, String ip) {
        return Cidr.contains(block.getCidr(), ip)
                && Optional.ofNullable(block.getExcept()).orElse(List.of()).stream().noneMatch(e -> Cidr.contains(e, ip));
    }

    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null && !l.entrySet().containsAll(selector.getMatchLabels().entrySet())) {
            return false;
        }
        for (LabelSelectorRequirement req : Optional.ofNullable(selector.getMatchExpressions()).orElse(List.of())) {
            String value = l.get(req.getKey());
            boolean ok = switch (req.getOperator()) {
                case "In" -> value != null && req.getValues().contains(value);
                case "NotIn" -> value == null || !req.getValues().contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new IllegalArgumentException(req.getOperator());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
