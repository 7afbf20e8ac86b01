package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.security.KafkaPrincipal;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The certificate path of authentication with real certificates (made by {@code keytool}), given as Jetty
 * presents them: the chain that is the value of {@value CertificateAuthenticator#CERTIFICATES_ATTRIBUTE}.
 * The filter's use of it is tested with the node's own beans in ForwardedPrincipalHttpTest.
 */
class CertificateAuthenticationTest {
    static final String RULES = "RULE:^CN=([^,]+),OU=ServiceUsers,.*$/svc-$1/L, RULE:^CN=([^,]+),OU=eng,.*$/$1/";
    static X509Certificate alice;
    static X509Certificate billing;
    static X509Certificate stranger;

    @BeforeAll
    static void certificates() throws Exception {
        alice = SelfSignedCertificate.withSubject("CN=alice, OU=eng, O=Acme");
        billing = SelfSignedCertificate.withSubject("CN=Billing, OU=ServiceUsers, O=Acme");
        stranger = SelfSignedCertificate.withSubject("CN=mallory, OU=elsewhere, O=Other");
    }

    /** The attribute's value, as Jetty sets it: the client's certificate first. */
    static Object requestWith(X509Certificate... chain) {
        return chain;
    }

    @Test
    void aMappedCertificateAuthenticatesItsPrincipal() {
        CertificateAuthenticator certificates = new CertificateAuthenticator(RULES);
        assertThat(certificates.authenticate(requestWith(alice))).hasValueSatisfying(v ->
                assertThat(v.caller()).isEqualTo(new Caller(KafkaPrincipal.user("alice"), CertificateAuthenticator.CREDENTIAL)));
        assertThat(certificates.authenticate(requestWith(billing, alice))).hasValueSatisfying(v ->
                assertThat(v.caller().principal()).isEqualTo(KafkaPrincipal.user("svc-billing")));
    }

    @Test
    void theDefaultRuleUsesTheWholeSubject() {
        assertThat(new CertificateAuthenticator("DEFAULT").authenticate(requestWith(alice))).hasValueSatisfying(v ->
                assertThat(v.caller().principal()).isEqualTo(KafkaPrincipal.user("CN=alice,OU=eng,O=Acme")));
    }

    @Test
    void aCertificateNoRuleMapsIsRefused() {
        assertThat(new CertificateAuthenticator(RULES).authenticate(requestWith(stranger))).hasValueSatisfying(v -> {
            assertThat(v.authenticated()).isFalse();
            assertThat(v.reason()).isEqualTo(FailureReason.UNMAPPED);
            assertThat(v.detail()).contains("CN=mallory");
        });
    }

    @Test
    void aWildcardNameIsNoPrincipal() {
        assertThat(new CertificateAuthenticator("RULE:^CN=alice,.*$/*/").authenticate(requestWith(alice)))
                .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo(FailureReason.UNMAPPED));
    }

    @Test
    void noCertificateIsNoVerdict() {
        CertificateAuthenticator certificates = new CertificateAuthenticator(RULES);
        assertThat(certificates.authenticate(null)).isEmpty();
        assertThat(certificates.authenticate(requestWith())).isEmpty();
    }

    @Test
    void rulesThatDoNotParseStopTheNode() {
        assertThatThrownBy(() -> new CertificateAuthenticator("RULE:broken")).isInstanceOf(IllegalArgumentException.class);
    }
}
