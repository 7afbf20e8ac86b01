package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    @Test
    void reproducesTheStandardWebhooksSpecificationVector() {
        WebhookSigner signer = new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String signature = signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void aSignatureVerifiesWithAnIndependentHmacOfIdTimestampAndBody() throws Exception {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        byte[] body = "{\"records\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":7,\"value\":1.10}]}".getBytes(StandardCharsets.UTF_8);
        String signature = new WebhookSigner(secret).sign("orders/0/7", 1_700_000_000L, body);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update("orders/0/7.1700000000.".getBytes(StandardCharsets.UTF_8));
        assertThat(signature).isEqualTo("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
    }

    @Test
    void aSecretWithoutThePrefixIsUsedAsItsUtf8Bytes() throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("plain passphrase".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal("id.1.{}".getBytes(StandardCharsets.UTF_8)));
        assertThat(new WebhookSigner("plain passphrase").sign("id", 1, body)).isEqualTo(expected);
    }

    @Test
    void theSignerNeverShowsItsKey() {
        assertThat(new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").toString()).doesNotContain("MfKQ");
    }
}
