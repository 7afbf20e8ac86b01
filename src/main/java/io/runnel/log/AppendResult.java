package io.runnel.log;

/**
 * Where an appended batch landed: the offsets of its first and last records.
 *
 * @param duplicate true when the batch was not appended because it repeats its producer's last
 *                  batch (see {@link ProducerStates}); the offsets are then that batch's
 */
public record AppendResult(long baseOffset, long lastOffset, boolean duplicate) {
    public AppendResult(long baseOffset, long lastOffset) {
        this(baseOffset, lastOffset, false);
    }
}
