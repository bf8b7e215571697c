package dev.forgeauth.auth.client;

import dev.forgeauth.auth.admin.ClientMetadata;
import dev.forgeauth.auth.revocation.DerivedRevocation;
import dev.forgeauth.auth.revocation.RevocationStore;
import dev.forgeauth.core.crypto.RandomTokens;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthErrors;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** Registration, change and removal of clients; every change is announced to the other instances. */
@ApplicationScoped
public class ClientService {

    /** 256 random bits, base64url. */
    static final int SECRET_BYTES = 32;

    private final ClientRepository repository;
    private final ClientRegistry registry;
    private final SecretHasher hasher;
    private final RevocationStore revocations;
    private final DerivedRevocation derived;

    public ClientService(ClientRepository repository, ClientRegistry registry, SecretHasher hasher,
            RevocationStore revocations, DerivedRevocation derived) {
        this.derived = derived;
        this.repository = repository;
        this.registry = registry;
        this.hasher = hasher;
        this.revocations = revocations;
    }

    /** A created client and, for a confidential one, its secret (the only time it exists in clear). */
    public record Created(Client client, String secret) {
    }

    public Uni<Created> create(ClientMetadata m) {
        String clientId = m.clientId() != null ? m.clientId() : RandomTokens.urlSafe(16);
        String secret = m.isPublic() ? null : RandomTokens.urlSafe(SECRET_BYTES);
        return insert(m, clientId, secret);
    }

    /** Creates the client with a given secret when absent (bootstrap); answers whether it was created. */
    public Uni<Boolean> createIfAbsent(ClientMetadata m, String secret) {
        return repository.insert(toClient(m, m.clientId(), secret));
    }

    /** The bootstrap admin client: created only when no client exists at all (the first start). */
    public Uni<Boolean> createIfNoClients(ClientMetadata m, String secret) {
        return repository.insertIntoEmpty(toClient(m, m.clientId(), secret));
    }

    /** A seeded client: created when absent, unless a client of that id was ever deleted. */
    public Uni<Boolean> createIfNeverDeleted(ClientMetadata m, String secret) {
        return repository.insertUnlessDeleted(toClient(m, m.clientId(), secret));
    }

    private Uni<Created> insert(ClientMetadata m, String clientId, String secret) {
        Client c = toClient(m, clientId, secret);
        return repository.insert(c).chain(inserted -> {
            if (!inserted) {
                return Uni.createFrom().failure(new OAuthException(OAuthErrors.INVALID_CLIENT_METADATA,
                        "A client with this client_id already exists", 409));
            }
            return registry.changed(clientId).chain(() -> repository.find(clientId))
                    .map(stored -> new Created(stored, secret));
        });
    }

    public Uni<Client> update(Client current, ClientMetadata m) {
        if (current.isPublic() != m.isPublic()) {
            return Uni.createFrom().failure(new OAuthException(OAuthErrors.INVALID_CLIENT_METADATA,
                    "A client cannot change between public and confidential; register a new client", 400));
        }
        Client changed = new Client(current.clientId(), m.clientName(), current.secretHash(),
                m.tokenEndpointAuthMethod(), m.grantTypes(), m.redirectUris(), Scopes.parse(m.scope()), m.scope(),
                m.accessTokenTtl(), current.issuedAt());
        return repository.update(changed).call(c -> registry.changed(current.clientId()));
    }

    /** Replaces the secret; the old one stops working at once on every instance. */
    public Uni<String> rotateSecret(Client client) {
        if (client.isPublic()) {
            return Uni.createFrom().failure(OAuthException.invalidRequest("A public client has no secret"));
        }
        String secret = RandomTokens.urlSafe(SECRET_BYTES);
        return repository.updateSecret(client.clientId(), hasher.hash(secret))
                .call(ok -> registry.changed(client.clientId()))
                .map(ok -> {
                    if (!ok) {
                        throw OAuthException.notFound("No such client");
                    }
                    return secret;
                });
    }

    /**
     * Removes the client and revokes every token it holds: its refresh-token families and their sessions
     * end, and a "not before" cut-off to the end of this second stops its access tokens. A refresh token
     * of the deleted client stays dead if the id is registered again (see RefreshTokens#rotate).
     */
    public Uni<Boolean> delete(String clientId) {
        long notBefore = System.currentTimeMillis() / 1000 + 1;
        return repository.delete(clientId)
                .call(ok -> ok ? derived.clientCutOff(clientId, notBefore)
                        .chain(() -> revocations.cutOff("client", clientId, notBefore))
                        : Uni.createFrom().voidItem())
                .call(ok -> registry.changed(clientId));
    }

    private Client toClient(ClientMetadata m, String clientId, String secret) {
        return new Client(clientId, m.clientName() != null ? m.clientName() : clientId,
                secret == null ? null : hasher.hash(secret), m.tokenEndpointAuthMethod(), m.grantTypes(),
                m.redirectUris(), Scopes.parse(m.scope()), m.scope(), m.accessTokenTtl(), Instant.now());
    }
}
