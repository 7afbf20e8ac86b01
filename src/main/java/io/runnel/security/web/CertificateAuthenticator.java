package io.runnel.security.web;

import io.runnel.error.RunnelException;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.SslPrincipalMapper;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Authenticates a request by its TLS client certificate: the container (Jetty, with
 * {@code server.ssl.client-auth} {@code want} or {@code need}) has already verified the chain against
 * the trusted CAs and put it on the request as {@value #CERTIFICATES_ATTRIBUTE}; the subject of the first
 * (the client's own) certificate, in RFC 2253 form, goes through the {@link SslPrincipalMapper} rules
 * ({@code runnel.security.ssl-principal-mapping-rules}) and names {@code User:<mapped name>}. A subject no
 * rule maps (or one that maps to no valid principal name, or to {@code *}) is refused.
 *
 * <p>Thread-safe and stateless.
 */
final class CertificateAuthenticator {
    /** Where the Servlet specification puts the client's verified certificate chain. */
    static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    static final String CREDENTIAL = "certificate";

    private final SslPrincipalMapper mapper;

    /** {@link IllegalArgumentException} when the rules do not parse: the node must not start with them. */
    CertificateAuthenticator(String mappingRules) {
        this.mapper = SslPrincipalMapper.parse(mappingRules);
    }

    /**
     * The verdict on a request's client certificate chain, the value of its {@value #CERTIFICATES_ATTRIBUTE}
     * attribute; empty when it presented none.
     */
    Optional<Verdict> authenticate(Object certificatesAttribute) {
        if (!(certificatesAttribute instanceof X509Certificate[] chain) || chain.length == 0) {
            return Optional.empty();
        }
        String subject = chain[0].getSubjectX500Principal().getName();
        Optional<String> name = mapper.map(subject);
        if (name.isEmpty()) {
            return Optional.of(unmapped(subject));
        }
        try {
            KafkaPrincipal principal = KafkaPrincipal.user(name.get());
            return Optional.of(principal.isWildcard() ? unmapped(subject) : Verdict.of(new Caller(principal, CREDENTIAL)));
        } catch (RunnelException notAName) {
            return Optional.of(unmapped(subject));
        }
    }

    private static Verdict unmapped(String subject) {
        return Verdict.refused(FailureReason.UNMAPPED, "no principal mapping rule maps the client certificate '" + subject + "'");
    }
}
