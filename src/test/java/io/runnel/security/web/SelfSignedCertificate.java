package io.runnel.security.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/** A real self-signed X.509 certificate with a chosen subject, made by the JDK's {@code keytool}. */
final class SelfSignedCertificate {
    private SelfSignedCertificate() {
    }

    static X509Certificate withSubject(String distinguishedName) throws IOException, InterruptedException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("runnel-cert-");
        Path store = dir.resolve("client.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "client", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", distinguishedName, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("keytool failed: " + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        Files.delete(store);
        Files.delete(dir);
        return (X509Certificate) keys.getCertificate("client");
    }
}
