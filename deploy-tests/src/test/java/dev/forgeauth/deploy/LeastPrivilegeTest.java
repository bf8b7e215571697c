package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 21: no process holds a credential it does not need. */
class LeastPrivilegeTest {

    static Map<String, String> secretRefs(String target, String deployment) {
        Deployment d = Rendered.find(Rendered.typed(target), Deployment.class, deployment).orElseThrow();
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .collect(Collectors.toMap(EnvVar::getName, e -> e.getValueFrom().getSecretKeyRef().getName()
                        + "/" + e.getValueFrom().getSecretKeyRef().getKey()));
    }

    /** Point 7: the internet-facing gateway authenticates with its own introspect-only client. */
    @Test
    void theGatewayHoldsItsOwnClientAndNeverTheAdminClient() throws IOException {
        for (String target : Rendered.TARGETS) {
            Map<String, String> gateway = secretRefs(target, "gateway");
            assertEquals("forge-gateway-client/client-id", gateway.get("FORGE_GATEWAY_CLIENT_ID"), target);
            assertEquals("forge-gateway-client/client-secret", gateway.get("FORGE_GATEWAY_CLIENT_SECRET"), target);
            assertFalse(gateway.values().stream().anyMatch(v -> v.startsWith("forge-bootstrap/")), target + ": " + gateway);
            assertFalse(gateway.containsKey("FORGE_KEK"), target + ": the gateway needs no key-encryption key");
            // auth-service seeds the gateway's client from the same Secret
            Map<String, String> auth = secretRefs(target, "auth-service");
            assertEquals("forge-gateway-client/client-id", auth.get("FORGE_GATEWAY_CLIENT_ID"), target);
            assertEquals("forge-gateway-client/client-secret", auth.get("FORGE_GATEWAY_CLIENT_SECRET"), target);
        }
        String createSecrets = Files.readString(Repo.k8s().resolve("overlays/dev/create-secrets.sh"));
        assertTrue(createSecrets.contains("create forge-gateway-client --from-literal=client-id=forge-gateway"),
                "the dev secrets give the gateway a client of its own");
        assertFalse(createSecrets.contains("get secret forge-bootstrap -o jsonpath='{.data.client-secret}' | base64 -d)\"\n"),
                "the bootstrap secret is not copied into the gateway's Secret");
        String up = Files.readString(Repo.root().resolve("deploy/local/up.sh"));
        assertFalse(up.contains("FORGE_GATEWAY_CLIENT_SECRET=\"$BOOTSTRAP_SECRET\""), "the local run too");
        assertTrue(up.contains("FORGE_GATEWAY_CLIENT_ID=\"$GATEWAY_CLIENT_ID\""));
    }

    /** Point 6: the introspection service holds the secret-hashing key alone and a database login of its own. */
    @Test
    void theIntrospectionServiceHoldsNoKekAndNotTheOwnersLogin() {
        for (String target : Rendered.TARGETS) {
            Map<String, String> introspection = secretRefs(target, "token-introspection-service");
            assertFalse(introspection.containsKey("FORGE_KEK"), target + ": " + introspection);
            assertFalse(introspection.values().stream().anyMatch(v -> v.startsWith("forge-kek/")), target);
            assertEquals("forge-secret-hash-key/key", introspection.get("FORGE_SECRET_HASH_KEY"), target);
            assertEquals("forge-db-introspection/username", introspection.get("FORGE_PG_USER"), target);
            assertEquals("forge-db-introspection/password", introspection.get("FORGE_PG_PASSWORD"), target);
        }
    }

    /** Point 11: the gateway trusts X-Forwarded-For from the ingress controller only, not all of RFC 1918. */
    @Test
    void theGatewayTrustsForwardedAddressesFromTheIngressControllerOnly() {
        for (String target : List.of("base", "overlays/prod")) {
            ConfigMap config = Rendered.find(Rendered.typed(target), ConfigMap.class, "forge-config").orElseThrow();
            String ingress = config.getData().get("FORGE_INGRESS_PROXIES");
            assertNotNull(ingress, target);
            for (String cidr : ingress.split(",")) {
                assertTrue(Cidr.hostBits(cidr) <= 8, target + ": " + cidr + " is more than the ingress controller's addresses");
                for (String pod : List.of("10.1.2.3", "10.244.0.7", "172.16.5.5", "192.168.1.9")) {
                    assertFalse(Cidr.contains(cidr, pod), target + ": " + cidr + " trusts the pod " + pod);
                }
            }
        }
    }

    /** Point 11: PostgreSQL and Redis only at their own addresses. */
    @Test
    void prodEgressReachesPostgresAndRedisOnlyAtTheirAddresses() {
        List<NetworkPolicy> policies = Rendered.all(Rendered.typed("overlays/prod"), NetworkPolicy.class);
        Map<String, String> auth = Map.of("app.kubernetes.io/name", "auth-service");
        Map<String, String> introspection = Map.of("app.kubernetes.io/name", "token-introspection-service");
        Map<String, String> gateway = Map.of("app.kubernetes.io/name", "gateway");
        OverlaysTest.Peer database = new OverlaysTest.Peer(null, null, true, "10.64.16.5");
        OverlaysTest.Peer redis = new OverlaysTest.Peer(null, null, true, "10.64.17.5");
        OverlaysTest.Peer elsewhere = new OverlaysTest.Peer(null, null, true, "203.0.113.9");
        for (Map<String, String> service : List.of(auth, introspection)) {
            assertTrue(OverlaysTest.egressAllowed(policies, service, database, 5432), service.toString());
            assertFalse(OverlaysTest.egressAllowed(policies, service, elsewhere, 5432), service + " to any :5432");
            assertFalse(OverlaysTest.egressAllowed(policies, service, redis, 5432), service + ": the database port at Redis");
        }
        for (Map<String, String> service : List.of(auth, introspection, gateway)) {
            for (int port : List.of(6379, 26379)) {
                assertTrue(OverlaysTest.egressAllowed(policies, service, redis, port), service + " :" + port);
                assertFalse(OverlaysTest.egressAllowed(policies, service, elsewhere, port), service + " to any :" + port);
            }
        }
    }

    /** Point 11: the operator is told which eviction policy keeps revocations and limits. */
    @Test
    void theDeployGuideSaysRedisMustNotEvict() throws IOException {
        String readme = Files.readString(Repo.root().resolve("deploy/README.md"));
        assertTrue(readme.contains("maxmemory-policy noeviction"), "deploy/README.md names the safe Redis policy");
        assertTrue(readme.contains("appends to `X-Forwarded-For`"), "and how to run behind an appending load balancer");
    }
}
