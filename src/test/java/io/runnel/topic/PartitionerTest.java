package io.runnel.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runnel must place a keyed record where a Kafka producer would, bit for bit.
 *
 * <p>How the vectors were computed: a throwaway program (outside this repository) on the classpath
 * of {@code org.apache.kafka:kafka-clients:4.4.0} (plus slf4j-api) printed, for each input,
 * {@code org.apache.kafka.common.utils.Utils.murmur2(bytes)} and
 * {@code Utils.toPositive(murmur2) % n} for n = 3, 6, 7, 100, and checked that each partition equals
 * {@code org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(bytes, n)}.
 * Inputs: the empty array; "a", "ab", … "abcdefghijkl" (lengths 1 to 12, every tail case of the
 * 4-byte loop, three times over); UTF-8 non-ASCII strings; compact JSON texts (as the API hashes
 * non-string keys); random bytes from {@code new Random(20261128L).nextBytes} of lengths 5, 16, 31, 64.
 * kafka-clients is deliberately not a dependency of this project.
 */
class PartitionerTest {

    /** One input (as hex) with Kafka's murmur2 and the partition Kafka picks for 3, 6, 7 and 100 partitions. */
    record Vector(String hex, int murmur2, int p3, int p6, int p7, int p100, String label) {
        byte[] bytes() {
            return HexFormat.of().parseHex(hex);
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private static Vector v(String hex, int murmur2, int p3, int p6, int p7, int p100, String label) {
        return new Vector(hex, murmur2, p3, p6, p7, p100, label);
    }

    static Stream<Vector> kafkaVectors() {
        return Stream.of(
                v("", 275646681, 0, 3, 2, 81, "empty"),
                v("61", -1563381124, 1, 4, 5, 24, "ascii 1"),
                v("6162", 316155434, 2, 2, 0, 34, "ascii 2"),
                v("616263", 479470107, 0, 3, 4, 7, "ascii 3"),
                v("61626364", -1323649548, 2, 2, 5, 0, "ascii 4"),
                v("6162636465", 461995741, 1, 1, 4, 41, "ascii 5"),
                v("616263646566", 1870650108, 0, 0, 5, 8, "ascii 6"),
                v("61626364656667", -346467175, 1, 1, 4, 73, "ascii 7"),
                v("6162636465666768", -955427363, 0, 3, 0, 85, "ascii 8"),
                v("616263646566676869", -619679810, 0, 0, 1, 38, "ascii 9"),
                v("6162636465666768696a", 8205847, 1, 1, 6, 47, "ascii 10"),
                v("6162636465666768696a6b", -232389549, 2, 5, 2, 99, "ascii 11"),
                v("6162636465666768696a6b6c", -535286937, 2, 5, 6, 11, "ascii 12"),
                v("637573746f6d65722d3432", -542987495, 0, 3, 1, 53, "utf8 customer-42"),
                v("68c3a96c6c6f", 614509002, 0, 0, 2, 2, "utf8 héllo"),
                v("e697a5e69cace8aa9e", 1431860170, 1, 4, 6, 70, "utf8 日本語"),
                v("f09f9880", 131881617, 0, 3, 0, 17, "utf8 😀"),
                v("cea96d6567612dc3bc", 167959799, 2, 5, 0, 99, "utf8 Ωmega-ü"),
                v("7b2261223a317d", 495210353, 2, 5, 1, 53, "json {\"a\":1}"),
                v("3432", 417700972, 1, 4, 3, 72, "json 42"),
                v("74727565", -1452041902, 1, 4, 6, 46, "json true"),
                v("5b312c325d", -806297043, 2, 5, 3, 5, "json [1,2]"),
                v("7b226964223a372c22726567696f6e223a226575227d", 1413099910, 1, 4, 5, 10, "json {\"id\":7,\"region\":\"eu\"}"),
                v("2d302e35", 486499775, 2, 5, 6, 75, "json -0.5"),
                v("6e756c6c", -75681477, 2, 5, 5, 71, "json null"),
                v("2ec73b957d", 1636769293, 1, 1, 5, 93, "random 5"),
                v("0907cae28ebd3c305c6aa24f5a199df9", 1304883164, 2, 2, 4, 64, "random 16"),
                v("793a4148171c3743c1bca71c4824f1974492a4442dd15f771c561b1ff427af", 312547801, 1, 1, 6, 1, "random 31"),
                v("b12fd0b5b1b542623a36392b776323c435853fee0227a01abc4d9948cb5149e4d11624758ec926871c4f88d47b4016fe"
                        + "b85c7dc6ab606ec5f10b2e889a1d4a87", 837695098, 1, 4, 2, 98, "random 64"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kafkaVectors")
    void murmur2MatchesKafka(Vector v) {
        assertThat(Partitioner.murmur2(v.bytes())).isEqualTo(v.murmur2());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kafkaVectors")
    void partitionForKeyMatchesKafkaDefaultPartitioner(Vector v) {
        byte[] key = v.bytes();
        assertThat(new int[] {
                Partitioner.partitionForKey(key, 3), Partitioner.partitionForKey(key, 6),
                Partitioner.partitionForKey(key, 7), Partitioner.partitionForKey(key, 100)})
                .containsExactly(v.p3(), v.p6(), v.p7(), v.p100());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kafkaVectors")
    void textVectorsAreTheUtf8OfTheirLabel(Vector v) {
        // Guards the table itself: a text input's hex is the UTF-8 of the text its label names.
        String[] kindAndText = v.label().split(" ", 2);
        String text = switch (kindAndText[0]) {
            case "empty" -> "";
            case "ascii" -> "abcdefghijkl".substring(0, Integer.parseInt(kindAndText[1]));
            case "utf8", "json" -> kindAndText[1];
            default -> null; // random bytes: nothing to check
        };
        if (text != null) {
            assertThat(v.hex()).isEqualTo(HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void toPositiveClearsTheSignBitRatherThanTakingTheAbsoluteValue() {
        assertThat(Partitioner.toPositive(Integer.MIN_VALUE)).isZero();
        assertThat(Partitioner.toPositive(-1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Partitioner.toPositive(-1563381124)).isEqualTo(-1563381124 & 0x7fffffff).isNotEqualTo(1563381124);
        assertThat(Partitioner.toPositive(42)).isEqualTo(42);
    }

    @Test
    void aSinglePartitionTakesEveryKey() {
        assertThat(Partitioner.partitionForKey("customer-42".getBytes(StandardCharsets.UTF_8), 1)).isZero();
    }
}
