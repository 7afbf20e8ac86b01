package io.runnel.group;

import io.runnel.group.GroupCoordinator.Membership;
import io.runnel.log.RecordBatch;
import java.util.List;

/**
 * What a member's read answers: its generation and assignment, and for each partition read, the
 * stored batches and the offset range [from, until) to write from them. Written by
 * {@link MemberRecordsWriter} without parsing keys or values.
 */
record MemberRecords(Membership membership, List<Slice> slices) {

    record Slice(String topic, int partition, List<RecordBatch> batches, long from, long until) {
    }

    boolean hasRecords() {
        return slices.stream().anyMatch(s -> s.until() > s.from());
    }
}
