package dev.forgeauth.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * The keys the test JWKS server publishes, and a builder for access tokens signed by them, plus every
 * forged variant introspection must refuse: alg none, HS256 keyed with the public key, a stranger's
 * key, wrong issuer, wrong audience, expired, not yet valid, wrong typ, unknown kid.
 */
public final class TestKeys {

    public static final String ISSUER = "http://localhost:8080";
    public static final String AUDIENCE = "forge-api";
    static final RSAKey RSA = generateRsa("rsa-1");
    static final ECKey EC = generateEc("ec-1");
    static final RSAKey STRANGER = generateRsa("rsa-1");

    private TestKeys() {
    }

    public static String publishedJwks() {
        return new JWKSet(List.of(RSA.toPublicJWK(), EC.toPublicJWK())).toString();
    }

    public static Builder token() {
        return new Builder();
    }

    /** Builder with valid defaults; each setter breaks one thing. */
    public static final class Builder {
        String alg = "RS256";
        String kid = "rsa-1";
        String typ = "at+jwt";
        String iss = ISSUER;
        String aud = AUDIENCE;
        String sub = "svc-" + UUID.randomUUID();
        String clientId = sub;
        String scope = "deployment:read";
        String jti = UUID.randomUUID().toString();
        long iat = now();
        long exp = now() + 600;
        Long nbf;
        boolean stranger;

        public Builder es256() {
            alg = "ES256";
            kid = "ec-1";
            return this;
        }

        public Builder kid(String k) {
            kid = k;
            return this;
        }

        public Builder typ(String t) {
            typ = t;
            return this;
        }

        public Builder issuer(String i) {
            iss = i;
            return this;
        }

        public Builder audience(String a) {
            aud = a;
            return this;
        }

        public Builder subject(String s) {
            sub = s;
            return this;
        }

        public Builder clientId(String c) {
            clientId = c;
            return this;
        }

        public Builder scope(String s) {
            scope = s;
            return this;
        }

        public Builder issuedAt(long epoch) {
            iat = epoch;
            return this;
        }

        public Builder expiresAt(long epoch) {
            exp = epoch;
            return this;
        }

        public Builder notBefore(long epoch) {
            nbf = epoch;
            return this;
        }

        public Builder signedByStranger() {
            stranger = true;
            return this;
        }

        public String jti() {
            return jti;
        }

        JWTClaimsSet claims() {
            JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(iss).subject(sub).audience(aud)
                    .issueTime(new Date(iat * 1000)).expirationTime(new Date(exp * 1000)).jwtID(jti)
                    .claim("client_id", clientId).claim("scope", scope);
            if (nbf != null) {
                b.notBeforeTime(new Date(nbf * 1000));
            }
            return b.build();
        }

        public String build() {
            try {
                JWSSigner signer = "ES256".equals(alg) ? new ECDSASigner(EC)
                        : new RSASSASigner(stranger ? STRANGER : RSA);
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID(kid)
                        .type(typ == null ? null : new JOSEObjectType(typ)).build(), claims());
                jwt.sign(signer);
                return jwt.serialize();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** {"alg":"none"} with the same claims and no signature. */
        public String buildUnsigned() {
            String header = b64("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}");
            return header + "." + b64(claims().toString()) + ".";
        }

        /** HS256 keyed with the RSA public key's encoding: the classic algorithm-confusion forgery. */
        public String buildHs256WithPublicKey() {
            try {
                byte[] secret = RSA.toPublicKey().getEncoded();
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid)
                        .type(new JOSEObjectType(typ)).build(), claims());
                jwt.sign(new MACSigner(secret));
                return jwt.serialize();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static RSAKey generateRsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey generateEc(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
