package io.runnel.cluster;

import io.runnel.config.ClusterPeers.Peer;
import java.net.http.HttpClient;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerSslBundle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The TLS of calls to other instances: the one place that decides whether they use {@code https}
 * and with which {@link SSLContext}.
 *
 * <p>TLS is on when the web server's is: Spring Boot's {@code server.ssl.*} (PEM
 * {@code certificate}/{@code certificate-private-key}/{@code trust-certificate}, a key store, or
 * {@code server.ssl.bundle}) bound and enabled. The material is the server's own, resolved by the same
 * {@link WebServerSslBundle#get} the web server uses, so both always agree:
 * <ul>
 * <li>trust: the configured trust material ({@code trust-certificate}, the trust store or the
 * bundle's), else the JDK's default trusted authorities; host names are verified (an instance's
 * certificate must name the host its peer entry or advertised URL uses);
 * <li>key: this instance's own certificate, which the JDK client presents only when the other
 * instance asks for one ({@code server.ssl.client-auth} {@code want} or {@code need}), so instance
 * certificates must allow client authentication then;
 * <li>Raft (Ratis gRPC): the same key and trust managers; the Raft port requires the peer's
 * certificate when {@link #mutual()} ({@code client-auth} {@code want} or {@code need}).
 * </ul>
 * With TLS off ({@link #OFF}) nothing changes: {@code http} URLs, the JDK's default client, plain Raft.
 *
 * <p>Immutable and thread-safe. The material is read once at start: a renewed certificate is
 * taken up by a restart.
 */
@Component
public final class InstanceTls {
    /** No TLS: plain HTTP and plain Raft. */
    public static final InstanceTls OFF = new InstanceTls(null, false);

    private final SslBundle bundle;
    private final boolean mutual;
    private final SSLContext context;

    /** From {@code server.ssl.*}, as the web server reads it ({@link #OFF} when unset or disabled). */
    @Autowired
    public InstanceTls(Environment environment, ObjectProvider<SslBundles> bundles) {
        this(serverSsl(environment), bundles.getIfAvailable());
    }

    private InstanceTls(Ssl ssl, SslBundles bundles) {
        this(Ssl.isEnabled(ssl) ? (bundles == null ? WebServerSslBundle.get(ssl) : WebServerSslBundle.get(ssl, bundles)) : null,
                Ssl.isEnabled(ssl) && ssl.getClientAuth() != null && ssl.getClientAuth() != Ssl.ClientAuth.NONE);
    }

    private InstanceTls(SslBundle bundle, boolean mutual) {
        this.bundle = bundle;
        this.mutual = mutual;
        this.context = bundle == null ? null : bundle.createSslContext();
    }

    /**
     * TLS with {@code bundle}'s key and trust material.
     *
     * @param mutual whether the servers ask for client certificates ({@code client-auth} want or need)
     */
    public static InstanceTls of(SslBundle bundle, boolean mutual) {
        return new InstanceTls(bundle, mutual);
    }

    private static Ssl serverSsl(Environment environment) {
        return Binder.get(environment).bind("server.ssl", Ssl.class).orElse(null);
    }

    public boolean enabled() {
        return bundle != null;
    }

    /** {@code https} with TLS on, else {@code http}. */
    public String scheme() {
        return enabled() ? "https" : "http";
    }

    /** The URL other instances call {@code peer} at, with this scheme. */
    public String urlOf(Peer peer) {
        return peer.url(scheme());
    }

    /** Whether instances ask each other for certificates (and so present their own). */
    public boolean mutual() {
        return enabled() && mutual;
    }

    /** The context for HTTPS calls to other instances; empty with TLS off. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(context);
    }

    /** {@code builder} with this context when TLS is on, unchanged otherwise. */
    public HttpClient.Builder configure(HttpClient.Builder builder) {
        return context == null ? builder : builder.sslContext(context);
    }

    /** This instance's key manager (for Raft); TLS must be on. */
    KeyManager keyManager() {
        return first(bundle.getManagers().getKeyManagers(), X509KeyManager.class, "key");
    }

    /** The trust manager (for Raft); TLS must be on. */
    TrustManager trustManager() {
        return first(bundle.getManagers().getTrustManagers(), X509TrustManager.class, "trust");
    }

    private static <T> T first(Object[] managers, Class<T> type, String what) {
        return Arrays.stream(managers).filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("server.ssl gives no X.509 " + what + " manager"));
    }

    @Override
    public String toString() {
        return enabled() ? "InstanceTls[https, mutual=" + mutual + "]" : "InstanceTls[off]";
    }
}
