package dev.forgeauth.auth;

import dev.forgeauth.auth.admin.ClientMetadata;
import dev.forgeauth.auth.client.ClientService;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.keys.SigningKeys;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Start-up work, after Flyway has migrated: the signing key set (created on the very first start),
 * then the bootstrap admin client. Both are safe with several instances starting together.
 */
@ApplicationScoped
public class Startup {

    private static final Logger LOG = Logger.getLogger(Startup.class);

    void onStart(@Observes StartupEvent ev, SigningKeys keys, ClientService clients, ForgeConfig config) {
        keys.reconcile(false).await().atMost(Duration.ofSeconds(60));
        LOG.infof("signing with key %s (%s)", keys.snapshot().activeKid(), keys.snapshot().activeAlg());

        var id = config.bootstrap().clientId().filter(s -> !s.isBlank());
        var secret = config.bootstrap().clientSecret().filter(s -> !s.isBlank());
        if (id.isPresent() != secret.isPresent()) {
            throw new IllegalStateException(
                    "set both FORGE_BOOTSTRAP_CLIENT_ID and FORGE_BOOTSTRAP_CLIENT_SECRET, or neither");
        }
        var gatewayId = config.gatewayClient().clientId().filter(s -> !s.isBlank());
        var gatewaySecret = config.gatewayClient().clientSecret().filter(s -> !s.isBlank());
        if (gatewayId.isPresent() != gatewaySecret.isPresent()) {
            throw new IllegalStateException(
                    "set both FORGE_GATEWAY_CLIENT_ID and FORGE_GATEWAY_CLIENT_SECRET, or neither");
        }
        if (id.isPresent() && gatewayId.isPresent() && id.get().equals(gatewayId.get())) {
            throw new IllegalStateException("FORGE_GATEWAY_CLIENT_ID must not be the bootstrap admin client: "
                    + "the internet-facing gateway gets a client of its own with scope introspect only");
        }
        if (id.isPresent()) {
            seedBootstrap(clients, id.get(), secret.get(), config.token().defaultTtl());
        }
        if (gatewayId.isPresent()) {
            seedGatewayClient(clients, gatewayId.get(), gatewaySecret.get(), config.token().defaultTtl());
        }
        seedDemo(clients, config);
    }

    /** The admin client, only into an empty registry: a deleted bootstrap client stays deleted. */
    static boolean seedBootstrap(ClientService clients, String id, String secret, int ttl) {
        ClientMetadata m = new ClientMetadata(id, "Forge bootstrap admin", List.of("client_credentials"),
                List.of(), "admin introspect", "client_secret_basic", ttl);
        boolean created = clients.createIfNoClients(m, secret).await().atMost(Duration.ofSeconds(30));
        LOG.infof(created ? "bootstrap admin client %s created (first start)"
                : "clients exist: bootstrap admin client %s not seeded", id);
        return created;
    }

    /** The gateway's client: {@code introspect} only; never seeded again once deleted. */
    static boolean seedGatewayClient(ClientService clients, String id, String secret, int ttl) {
        ClientMetadata m = new ClientMetadata(id, "Forge gateway (introspection)", List.of("client_credentials"),
                List.of(), "introspect", "client_secret_basic", ttl);
        boolean created = clients.createIfNeverDeleted(m, secret).await().atMost(Duration.ofSeconds(30));
        if (created) {
            LOG.infof("gateway client %s created (scope introspect)", id);
        }
        return created;
    }

    private static void seedDemo(ClientService clients, ForgeConfig config) {
        var demoId = config.demo().clientId().filter(s -> !s.isBlank());
        var demoSecret = config.demo().clientSecret().filter(s -> !s.isBlank());
        if (demoId.isPresent() && demoSecret.isPresent()) {
            ClientMetadata m = new ClientMetadata(demoId.get(), "Demo service", List.of("client_credentials"),
                    List.of(), "deployment:read deployment:write infrastructure:read infrastructure:write",
                    "client_secret_basic", config.token().defaultTtl());
            if (clients.createIfAbsent(m, demoSecret.get()).await().atMost(Duration.ofSeconds(30))) {
                LOG.infof("demo client %s created", demoId.get());
            }
            // the forge CLI's public client (device flow), so that `forge login` works on a local run: the
            // configured first-party client ids (forge-cli by default), in the only shape they may have
            for (String cliId : config.login().firstPartyClients()) {
                ClientMetadata cli = new ClientMetadata(cliId, "forge CLI",
                        List.of(ClientMetadata.DEVICE_CODE, "refresh_token"), List.of(),
                        "deployment:read deployment:write infrastructure:read infrastructure:write", "none",
                        config.token().defaultTtl());
                if (clients.createIfAbsent(cli, null).await().atMost(Duration.ofSeconds(30))) {
                    LOG.infof("forge CLI client %s created", cliId);
                }
            }
        }
    }
}
