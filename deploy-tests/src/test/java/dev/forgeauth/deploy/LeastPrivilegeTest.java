package dev.forgeauth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
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
}
