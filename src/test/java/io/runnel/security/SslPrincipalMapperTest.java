package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** Kafka's {@code ssl.principal.mapping.rules}: syntax, order, case, escapes, and what maps to nothing. */
class SslPrincipalMapperTest {
    static final String ALICE = "CN=alice,OU=eng,O=Acme,C=DE";
    static final String SERVICE = "CN=Billing,OU=ServiceUsers,O=Acme";

    static Optional<String> map(String rules, String dn) {
        return SslPrincipalMapper.parse(rules).map(dn);
    }

    @Test
    void defaultIsTheWholeDistinguishedName() {
        assertThat(map("DEFAULT", ALICE)).hasValue(ALICE);
        assertThat(map("", ALICE)).hasValue(ALICE);
        assertThat(map("  \n ", ALICE)).hasValue(ALICE);
    }

    @Test
    void aRuleReplacesWithItsGroups() {
        assertThat(map("RULE:^CN=([^,]+),OU=([^,]+),.*$/$1@$2/", ALICE)).hasValue("alice@eng");
    }

    @Test
    void thePatternMustMatchTheWholeName() {
        assertThat(map("RULE:CN=alice/x/", ALICE)).isEmpty();
        assertThat(map("RULE:CN=alice.*/x/", ALICE)).hasValue("x");
    }

    @Test
    void theFirstMatchingRuleDecides() {
        String rules = "RULE:^CN=([^,]+),OU=ServiceUsers,.*$/svc-$1/L, RULE:^CN=([^,]+),.*$/$1/, DEFAULT";
        assertThat(map(rules, SERVICE)).hasValue("svc-billing");
        assertThat(map(rules, ALICE)).hasValue("alice");
        assertThat(map(rules, "O=NoCommonName")).hasValue("O=NoCommonName");
    }

    @Test
    void lowerAndUpperCaseTheResult() {
        assertThat(map("RULE:^CN=([^,]+),.*$/$1/U", ALICE)).hasValue("ALICE");
        assertThat(map("RULE:^CN=([^,]+),.*$/$1/L", SERVICE)).hasValue("billing");
        assertThat(map("RULE:^CN=([^,]+),.*$/$1/", SERVICE)).hasValue("Billing");
    }

    @Test
    void noMatchingRuleMapsToNothing() {
        assertThat(map("RULE:^CN=([^,]+),OU=ServiceUsers,.*$/$1/", ALICE)).isEmpty();
    }

    @Test
    void anEmptyResultMapsToNothingAndStopsThere() {
        assertThat(map("RULE:^CN=alice,.*$//, DEFAULT", ALICE)).isEmpty();
    }

    @Test
    void rulesMaySpanLinesAndContainCommasAndEscapedSlashes() {
        String rules = """
                RULE:^CN=([^,]+),OU=a\\/b,.*$/$1\\/x/
                RULE:^O=([^,]+)$/org-$1/L,
                DEFAULT
                """;
        assertThat(map(rules, "CN=bob,OU=a/b,O=Acme")).hasValue("bob/x");
        assertThat(map(rules, "O=Acme")).hasValue("org-acme");
        assertThat(map(rules, ALICE)).hasValue(ALICE);
        assertThat(SslPrincipalMapper.parse(rules).toString())
                .isEqualTo("RULE:^CN=([^,]+),OU=a\\/b,.*$/$1\\/x/, RULE:^O=([^,]+)$/org-$1/L, DEFAULT");
    }

    @Test
    void aDollarSignCanBeEscapedInTheReplacement() {
        assertThat(map("RULE:^CN=([^,]+),.*$/\\$1-$1/", ALICE)).hasValue("$1-alice");
    }

    @Test
    void theSubjectOfACertificateIsReadInRfc2253Form() {
        String dn = new X500Principal("CN=carol, OU=ops, O=\"Acme, Inc.\"").getName();
        assertThat(dn).isEqualTo("CN=carol,OU=ops,O=Acme\\, Inc.");
        assertThat(map("RULE:^CN=([^,]+),OU=ops,.*$/$1/", dn)).hasValue("carol");
    }

    @Test
    void badRuleListsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> SslPrincipalMapper.parse("DEFAULTS")).hasMessageContaining("position 7");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:abc")).hasMessageContaining("pattern is not closed");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:abc/def")).hasMessageContaining("replacement is not closed");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:a/b/X")).hasMessageContaining("expected ','");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("rule:a/b/")).hasMessageContaining("expected DEFAULT or RULE");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("DEFAULT,,DEFAULT")).hasMessageContaining("position 8");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:([a-/x/")).hasMessageContaining("not a regular expression");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:^CN=(.*)$/$2/")).hasMessageContaining("uses $2")
                .hasMessageContaining("1 group(s)");
    }

    @Test
    void aTrailingSeparatorIsAccepted() {
        assertThat(map("RULE:^CN=([^,]+),.*$/$1/,", ALICE)).hasValue("alice");
    }
}
