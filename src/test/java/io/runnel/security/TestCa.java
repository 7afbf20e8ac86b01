package io.runnel.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time, for TLS and client-certificate tests.
 *
 * <pre>{@code
 * TestCa ca = TestCa.create(dir);                       // dir/ca.crt (+ ca.key)
 * TestCa.Issued server = ca.issue("instance-1", dir);   // dir/instance-1.crt, dir/instance-1.key
 * TestCa.Issued alice = ca.issueClient("CN=alice,OU=payments,O=Acme", dir);
 * SSLContext client = ca.clientContext(alice);          // trusts the CA, presents alice's certificate
 * }</pre>
 *
 * <p>Files are PEM: certificates {@code -----BEGIN CERTIFICATE-----}, private keys unencrypted PKCS#8
 * {@code -----BEGIN PRIVATE KEY-----} (what Spring Boot's {@code server.ssl.certificate},
 * {@code certificate-private-key} and {@code trust-certificate} take). Keys are EC P-256;
 * certificates are valid from an hour ago for a day.
 * <ul>
 * <li>{@link #issue}: a server/instance certificate, subject {@code CN=<name>}, SANs
 * {@code DNS:<name>}, {@code DNS:localhost}, {@code IP:127.0.0.1} (or those given), usable for
 * server and client authentication (instances present it both ways).
 * <li>{@link #issueClient}: a client certificate with exactly the subject DN given and no SAN,
 * usable for client authentication only.
 * </ul>
 * Thread-safe (serial numbers come from a counter).
 */
public final class TestCa {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    /** A certificate and its private key, as PEM files and as objects. */
    public record Issued(Path certificate, Path privateKey, X509Certificate x509, PrivateKey key) {
    }

    private final X509Certificate caCertificate;
    private final PrivateKey caKey;
    private final Path caFile;

    private TestCa(X509Certificate caCertificate, PrivateKey caKey, Path caFile) {
        this.caCertificate = caCertificate;
        this.caKey = caKey;
        this.caFile = caFile;
    }

    /** A new CA ({@code CN=Runnel Test CA <n>}); writes {@code ca.crt} and {@code ca.key} into {@code dir}. */
    public static TestCa create(Path dir) {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=Runnel Test CA " + SERIALS.incrementAndGet());
        try {
            X509v3CertificateBuilder builder = builder(name, name, keys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            Path caFile = writePem(dir.resolve("ca.crt"), "CERTIFICATE", certificate.getEncoded());
            writePem(dir.resolve("ca.key"), "PRIVATE KEY", keys.getPrivate().getEncoded());
            return new TestCa(certificate, keys.getPrivate(), caFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    /** The CA certificate's PEM file (what {@code server.ssl.trust-certificate} takes). */
    public Path certificate() {
        return caFile;
    }

    public X509Certificate x509() {
        return caCertificate;
    }

    /** A server/instance certificate for {@code name}; writes {@code <name>.crt} and {@code <name>.key} into {@code dir}. */
    public Issued issue(String name, Path dir) {
        return issue(name, dir, "DNS:" + name, "DNS:localhost", "IP:127.0.0.1");
    }

    /**
     * As {@link #issue(String, Path)}, with exactly the subject alternative names given, each
     * {@code DNS:<name>} or {@code IP:<address>} (e.g. to test host name verification).
     */
    public Issued issue(String name, Path dir, String... subjectAltNames) {
        List<GeneralName> sans = new ArrayList<>();
        for (String san : subjectAltNames) {
            if (san.startsWith("DNS:")) {
                sans.add(new GeneralName(GeneralName.dNSName, san.substring(4)));
            } else if (san.startsWith("IP:")) {
                sans.add(new GeneralName(GeneralName.iPAddress, san.substring(3)));
            } else {
                throw new IllegalArgumentException("a subject alternative name is DNS:<name> or IP:<address>, not " + san);
            }
        }
        return issue(new X500Name("CN=" + name), sans, new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
                dir, name);
    }

    /**
     * A client certificate whose subject is exactly {@code subjectDn} (RFC 4514, e.g.
     * {@code CN=alice,OU=payments,O=Acme}: read back with {@code getName()} it is the same string, as a CA
     * that encodes {@code O} first would issue it); the files are named after the DN with every character
     * other than letters, digits, {@code .} and {@code -} replaced by {@code _}.
     */
    public Issued issueClient(String subjectDn, Path dir) {
        return issue(X500Name.getInstance(new X500Principal(subjectDn).getEncoded()), List.of(), new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, dir,
                subjectDn.replaceAll("[^A-Za-z0-9.-]", "_"));
    }

    /** A client context that trusts this CA only and presents no certificate. */
    public SSLContext clientContext() {
        return context(null);
    }

    /** A client context that trusts this CA only and presents {@code identity} when asked. */
    public SSLContext clientContext(Issued identity) {
        return context(identity);
    }

    private SSLContext context(Issued identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (identity != null) {
                char[] password = "test".toCharArray();
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("me", identity.key(), password, new X509Certificate[] {identity.x509(), caCertificate});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a client TLS context", e);
        }
    }

    private Issued issue(X500Name subject, List<GeneralName> sans, KeyPurposeId[] purposes, Path dir, String fileName) {
        KeyPair keys = keyPair();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded()),
                    subject, keys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
            if (!sans.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCertificate));
            X509Certificate certificate = sign(builder, caKey);
            Path cert = writePem(dir.resolve(fileName + ".crt"), "CERTIFICATE", certificate.getEncoded());
            Path key = writePem(dir.resolve(fileName + ".key"), "PRIVATE KEY", keys.getPrivate().getEncoded());
            return new Issued(cert, key, certificate, keys.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a test certificate for " + subject, e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n", StandardCharsets.US_ASCII);
        return file;
    }
}
