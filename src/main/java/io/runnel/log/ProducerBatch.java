package io.runnel.log;

/**
 * The last batch a producer appended to a partition, as {@link ProducerStates} remembers it.
 *
 * @param producerId    the batch header's producer id (never negative)
 * @param producerEpoch the batch header's producer epoch
 * @param baseSequence  the batch header's sequence number
 * @param baseOffset    offset of the batch's first record
 * @param lastOffset    offset of its last record
 * @param timestamp     epoch millis the window counts from: the batch's largest record timestamp,
 *                      or, for a batch appended while the log was open, the append time if later
 */
public record ProducerBatch(long producerId, short producerEpoch, int baseSequence, long baseOffset, long lastOffset,
                            long timestamp) {
}
