package io.runnel.log;

/**
 * What one cleaning of a log did.
 *
 * @param segmentsCleaned  source segments rewritten (0: nothing was cleanable)
 * @param segmentsWritten  cleaned segments that replaced them
 * @param bytesBefore      size of the source segments
 * @param bytesAfter       size of the cleaned segments
 * @param recordsRemoved   records dropped: superseded ones and expired tombstones
 * @param cleanedUpTo      the first offset this pass did not cover (the next pass's first dirty offset)
 * @param partial          whether the key map filled up before the cleanable range ended
 */
public record CleanResult(int segmentsCleaned, int segmentsWritten, long bytesBefore, long bytesAfter,
                          long recordsRemoved, long cleanedUpTo, boolean partial) {

    static CleanResult nothing(long cleanedUpTo) {
        return new CleanResult(0, 0, 0, 0, 0, cleanedUpTo, false);
    }

    public long bytesReclaimed() {
        return bytesBefore - bytesAfter;
    }
}
