package io.runnel.log;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

/**
 * Random histories of producer appends (a few producer ids and sequences, so repeats are common),
 * plain appends, truncations, clean reopens and crashes with a torn tail, checked after every step
 * against a model: the list of batches in the log, whose last batch per producer is the producer
 * state, and where a repeat of it must be answered with its offsets and write nothing.
 */
class ProducerStatesPropertiesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final LogConfig CONFIG = LogTestSupport.config(300, 0);

    /** A batch in the model: its producer (-1 for none), sequence and offsets. */
    record ModelBatch(long producerId, int sequence, long base, long last, int size) {
    }

    @Test
    void aProducersBatchIsAppendedAtMostOnceWhateverHappensToTheLog() {
        qt(40, 300).forAll(lists(SourceDSL.integers().between(0, 9), 1, 30), SourceDSL.longs().all())
                .checkAssert((actions, seed) -> LogTestSupport.withTempDir(tmp -> new History(tmp, new Random(seed)).run(actions)));
    }

    private static final class History {
        private final Path dir;
        private final Random random;
        private final MutableClock clock = new MutableClock(T0);
        private final List<ModelBatch> model = new ArrayList<>();
        private PartitionLog log;
        private int crashes;

        History(Path tmp, Random random) {
            this.dir = tmp.resolve("p");
            this.random = random;
        }

        void run(List<Integer> actions) {
            log = open(dir);
            try {
                for (int action : actions) {
                    step(action);
                    check();
                }
            } finally {
                log.close();
            }
        }

        private PartitionLog open(Path at) {
            return PartitionLog.open(at, CONFIG, FlushPolicy.ALWAYS, clock, Duration.ofHours(1));
        }

        private void step(int action) {
            clock.advance(1);
            if (action <= 5) {
                appendProducerBatch();
            } else if (action == 6) {
                RecordBatch plain = new BatchBuilder(0, null, 0).add(clock.millis(), null, "0".getBytes(), null).build();
                AppendResult r = log.appendAsLeader(plain);
                model.add(new ModelBatch(-1, -1, r.baseOffset(), r.lastOffset(), plain.sizeInBytes()));
            } else if (action == 7 && !model.isEmpty()) {
                long to = random.nextLong(log.logEndOffset() + 1);
                log.truncateTo(to);
                model.removeIf(b -> b.last() >= to);
            } else if (action == 8) {
                log.close();
                log = open(dir);
            } else if (action == 9) {
                crash();
            }
        }

        private void appendProducerBatch() {
            long producerId = random.nextInt(3);
            int sequence = random.nextInt(2);
            int count = 1 + random.nextInt(3);
            BatchBuilder builder = new BatchBuilder(0, null, 0).producer(producerId, (short) 0, sequence);
            for (int i = 0; i < count; i++) {
                builder.add(clock.millis(), null, ("\"" + producerId + "/" + sequence + "\"").getBytes(), null);
            }
            RecordBatch batch = builder.build();
            Optional<ModelBatch> last = lastOf(producerId);
            long end = log.logEndOffset();
            AppendResult r = log.appendAsLeader(batch);
            if (last.isPresent() && last.get().sequence() == sequence) {
                assertThat(r).isEqualTo(new AppendResult(last.get().base(), last.get().last(), true));
                assertThat(log.logEndOffset()).as("a repeat writes nothing").isEqualTo(end);
            } else {
                assertThat(r).isEqualTo(new AppendResult(end, end + count - 1, false));
                model.add(new ModelBatch(producerId, sequence, r.baseOffset(), r.lastOffset(), batch.sizeInBytes()));
            }
        }

        /** Copies the files as they are, tears the last batch or not, and opens the copy. */
        private void crash() {
            Path copy = dir.resolveSibling("crash-" + crashes++);
            LogTestSupport.copyFiles(dir, copy);
            log.close();
            List<Path> segments = LogTestSupport.files(copy, ".log");
            if (!model.isEmpty() && random.nextBoolean()) {
                Path active = segments.get(segments.size() - 1);
                long size = LogTestSupport.sizeOf(active);
                if (size > 0) {
                    LogTestSupport.truncate(active, size - 1 - random.nextInt((int) Math.min(size, model.get(model.size() - 1).size())));
                    ModelBatch last = model.get(model.size() - 1);
                    model.remove(model.size() - 1);
                    // A whole segment can hold only the torn batch; recovery then keeps nothing of it.
                    assertThat(last.base()).isGreaterThanOrEqualTo(LogTestSupport.baseOffsetOf(active));
                }
            }
            LogTestSupport.deleteRecursively(dir);
            LogTestSupport.copyFiles(copy, dir);
            LogTestSupport.deleteRecursively(copy);
            log = open(dir);
        }

        private Optional<ModelBatch> lastOf(long producerId) {
            for (int i = model.size() - 1; i >= 0; i--) {
                if (model.get(i).producerId() == producerId) {
                    return Optional.of(model.get(i));
                }
            }
            return Optional.empty();
        }

        private void check() {
            long end = model.isEmpty() ? log.logStartOffset() : model.get(model.size() - 1).last() + 1;
            assertThat(log.logEndOffset()).isEqualTo(end);
            for (long producerId = 0; producerId < 3; producerId++) {
                Optional<ProducerBatch> actual = log.lastBatchOf(producerId);
                Optional<ModelBatch> expected = lastOf(producerId);
                assertThat(actual.map(b -> List.of(b.baseSequence(), b.baseOffset(), b.lastOffset())))
                        .as("producer %s", producerId)
                        .isEqualTo(expected.map(b -> List.of(b.sequence(), b.base(), b.last())));
            }
        }
    }
}
