package io.runnel.security.web;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An OpenID Connect identity provider for tests, over real HTTP on 127.0.0.1: the discovery document at
 * {@code <issuer>/.well-known/openid-configuration} and the JWK set it names, with one RSA signing key
 * ({@code kid} {@value #KEY_ID}). Signs tokens with that key or with a stranger's. While {@link #down} is
 * set, both answer {@code 503}.
 */
final class TestIdentityProvider implements AutoCloseable {
    static final String KEY_ID = "test-key-1";
    static final String AUDIENCE = "runnel";

    final AtomicBoolean down = new AtomicBoolean();
    private final HttpServer server;
    private final RSAKey signingKey;
    private final RSAKey strangerKey;

    TestIdentityProvider() {
        try {
            signingKey = new RSAKeyGenerator(2048).keyID(KEY_ID).generate();
            strangerKey = new RSAKeyGenerator(2048).keyID("stranger").generate();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/realm/.well-known/openid-configuration", exchange -> answer(exchange,
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwkSetUri() + "\",\"id_token_signing_alg_values_supported\":[\"RS256\"],"
                        + "\"subject_types_supported\":[\"public\"],\"response_types_supported\":[\"code\"]}"));
        server.createContext("/realm/keys", exchange -> answer(exchange, new JWKSet(signingKey.toPublicJWK()).toString()));
        server.start();
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
    }

    String jwkSetUri() {
        return issuer() + "/keys";
    }

    /** Claims of a token that the test node accepts: this issuer, the audience, {@code sub}, valid for 5 minutes. */
    JWTClaimsSet.Builder validClaims(String subject) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer()).audience(AUDIENCE).subject(subject)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    String sign(JWTClaimsSet.Builder claims) {
        return sign(claims, signingKey, KEY_ID);
    }

    /** A token signed by a key the provider does not publish. */
    String signWithStrangerKey(JWTClaimsSet.Builder claims, String keyId) {
        return sign(claims, strangerKey, keyId);
    }

    String token(Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = validClaims("alice");
        change.accept(claims);
        return sign(claims);
    }

    private static String sign(JWTClaimsSet.Builder claims, RSAKey key, String keyId) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId).type(JOSEObjectType.JWT).build(),
                claims.build());
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        if (down.get()) {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
