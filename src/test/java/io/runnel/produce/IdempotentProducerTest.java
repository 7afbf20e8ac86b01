package io.runnel.produce;

import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

/** An Idempotency-Key maps to the same producer on every instance: never negative, per topic, per acks. */
class IdempotentProducerTest {

    @Test
    void theProducerIdIsNeverNegativeAndTheSameForTheSameTopicAndKey() {
        qt(500).forAll(SourceDSL.strings().ascii().ofLengthBetween(1, 40), SourceDSL.strings().ascii().ofLengthBetween(1, 40),
                SourceDSL.integers().between(1, 10_000)).checkAssert((topic, key, partitions) -> {
            IdempotentProducer producer = IdempotentProducer.of(topic, key, "all");
            assertThat(producer.producerId()).isNotNegative();
            assertThat(producer.sequence()).isZero();
            assertThat(IdempotentProducer.of(topic, key, "all")).isEqualTo(producer);
            assertThat(producer.roundRobinStart(partitions)).isBetween(0, partitions - 1);
        });
    }

    @Test
    void anotherTopicOrKeyIsAnotherProducerAndAcksIsItsEpoch() {
        IdempotentProducer producer = IdempotentProducer.of("orders", "k-1", "all");
        assertThat(IdempotentProducer.of("payments", "k-1", "all").producerId()).isNotEqualTo(producer.producerId());
        assertThat(IdempotentProducer.of("orders", "k-2", "all").producerId()).isNotEqualTo(producer.producerId());
        assertThat(IdempotentProducer.of("orders", "k-1", "leader"))
                .isEqualTo(new IdempotentProducer(producer.producerId(), (short) 1, 0));
        assertThat(IdempotentProducer.of("orders", "k-1", "none").producerEpoch()).isEqualTo((short) 2);
        assertThat(producer.producerEpoch()).isZero();
    }
}
