package dev.forgeauth.auth.mfa;

import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.crypto.RandomTokens;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.commons.codec.binary.Base32;

/**
 * Second factor: TOTP enrolment (secret shown once, as text, otpauth URI and QR code), activation by a
 * first valid code (which also hands out ten single-use backup codes), verification with replay
 * protection (a time step is accepted once per account), and removal (needs a current code). Secrets are
 * stored encrypted under the KEK; backup codes as keyed hashes.
 */
@ApplicationScoped
public class TotpService {

    static final int SECRET_BYTES = 20;
    static final int BACKUP_CODES = 10;

    private final UserRepository users;
    private final SigningKeys keys;
    private final SecretHasher hasher;
    private final AuditLog audit;
    private final ForgeConfig config;

    public TotpService(UserRepository users, SigningKeys keys, SecretHasher hasher, AuditLog audit, ForgeConfig config) {
        this.users = users;
        this.keys = keys;
        this.hasher = hasher;
        this.audit = audit;
        this.config = config;
    }

    public record Enrolment(String secret, String otpauthUri, String qrPng) {
    }

    public Uni<Enrolment> enrol(User user) {
        if (user.totpEnabled()) {
            return Uni.createFrom().failure(OAuthException.invalidRequest("Two-factor authentication is already on"));
        }
        byte[] secret = RandomTokens.bytes(SECRET_BYTES);
        String b32 = new Base32().encodeToString(secret).replace("=", "");
        String issuer = "Forge Auth";
        String uri = "otpauth://totp/" + enc(issuer) + ":" + enc(user.email()) + "?secret=" + b32 + "&issuer="
                + enc(issuer) + "&algorithm=SHA1&digits=6&period=30";
        String png = Base64.getEncoder().encodeToString(QrPng.png(uri, 240));
        return users.setTotp(user.id(), encrypt(user, secret), false).replaceWith(new Enrolment(b32, uri, png));
    }

    /** Activates an enrolment with a first valid code; answers the backup codes (shown once). */
    public Uni<List<String>> activate(User user, String code, String ip) {
        if (user.totpEnabled()) {
            return Uni.createFrom().failure(OAuthException.invalidRequest("Two-factor authentication is already on"));
        }
        if (user.totpSecret() == null) {
            return Uni.createFrom().failure(OAuthException.invalidRequest("Enrol first: POST /auth/mfa/totp"));
        }
        byte[] secret = decrypt(user);
        long step = Totp.matchingStep(secret, code, System.currentTimeMillis() / 1000);
        if (step < 0) {
            return Uni.createFrom().failure(invalidCode());
        }
        List<String> codes = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < BACKUP_CODES; i++) {
            String c = backupCode();
            codes.add(c);
            hashes.add(hasher.hash(normaliseBackup(c)));
        }
        return users.setTotp(user.id(), user.totpSecret(), true)
                .chain(() -> users.useTotpStep(user.id(), step))
                .chain(() -> users.replaceBackupCodes(user.id(), hashes))
                .call(() -> audit.record(AuditLog.MFA_ENROLLED, user.id(), null, ip, null))
                .replaceWith(codes);
    }

    /** Checks a TOTP code (each step once) or a backup code (each once). */
    public Uni<String> verify(User user, String code) {
        if (!user.totpEnabled() || user.totpSecret() == null || code == null) {
            return Uni.createFrom().item((String) null);
        }
        String c = code.strip();
        if (c.matches("[0-9]{6}")) {
            long step = Totp.matchingStep(decrypt(user), c, System.currentTimeMillis() / 1000);
            if (step < 0) {
                return Uni.createFrom().item((String) null);
            }
            return users.useTotpStep(user.id(), step).map(fresh -> fresh ? "otp" : null);
        }
        String normalised = normaliseBackup(c);
        if (!normalised.matches("[a-z0-9]{10}")) {
            return Uni.createFrom().item((String) null);
        }
        return users.useBackupCode(user.id(), hasher.hash(normalised)).map(ok -> ok ? "backup" : null);
    }

    public Uni<Void> disable(User user, String code, String ip) {
        return verify(user, code).chain(method -> {
            if (method == null) {
                return Uni.createFrom().failure(invalidCode());
            }
            return users.setTotp(user.id(), null, false)
                    .chain(() -> users.replaceBackupCodes(user.id(), List.of()))
                    .call(() -> audit.record(AuditLog.MFA_DISABLED, user.id(), null, ip, null));
        });
    }

    static OAuthException invalidCode() {
        return new OAuthException("invalid_code", "The code is not valid", 400);
    }

    private byte[] encrypt(User user, byte[] secret) {
        return keys.encryption().encrypt(secret, "totp:" + user.id());
    }

    private byte[] decrypt(User user) {
        return keys.encryption().decrypt(user.totpSecret(), "totp:" + user.id());
    }

    /** Ten characters from an alphabet without look-alikes, shown as xxxxx-xxxxx. */
    static String backupCode() {
        String alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
        byte[] r = RandomTokens.bytes(10);
        StringBuilder sb = new StringBuilder(11);
        for (int i = 0; i < 10; i++) {
            if (i == 5) {
                sb.append('-');
            }
            sb.append(alphabet.charAt((r[i] & 0xff) % alphabet.length()));
        }
        return sb.toString();
    }

    static String normaliseBackup(String c) {
        return c.replace("-", "").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
