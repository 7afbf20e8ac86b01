package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.config.RunnelProperties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The URL a single node advertises names the address it is bound to, when it is bound to one. */
class NodeIdentityTest {
    @ParameterizedTest(name = "bound to \"{0}\"")
    @CsvSource(value = {"127.0.0.1|127.0.0.1", "10.1.2.3|10.1.2.3", "::1|[::1]", "[::1]|[::1]", "localhost|localhost"}, delimiter = '|')
    void aNodeBoundToOneAddressAdvertisesThatAddress(String bound, String advertised) {
        assertThat(NodeIdentity.advertisedHost(bound)).isEqualTo(advertised);
    }

    @ParameterizedTest(name = "bound to \"{0}\"")
    @CsvSource(value = {"''", "0.0.0.0", "::", "[::]"}, delimiter = '|')
    void aNodeBoundToEveryAddressAdvertisesItsHostName(String bound) {
        assertThat(NodeIdentity.advertisedHost(bound)).isEqualTo(RunnelProperties.Node.hostName());
    }
}
