package io.runnel.group;

import io.runnel.group.GroupCoordinator.ReadPlan;
import io.runnel.log.LogException;
import io.runnel.log.LogReadResult;
import io.runnel.log.RecordBatch;
import io.runnel.topic.TopicPartition;
import io.runnel.partition.HeldRead;
import io.runnel.partition.PartitionReads;
import io.runnel.partition.PartitionWaits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.stereotype.Service;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * A member's read across its assigned partitions, from its positions, with long polling.
 *
 * <p>Fairness: each read starts at a random assigned partition and gives each partition at most
 * {@code ceil(limit / partitions)} records, so one busy partition cannot starve the others.
 * Waiting: when nothing is there, one {@link PartitionWaits} wait covers every assigned partition,
 * local or led elsewhere, and the first append wakes the read (no thread waits). The member
 * counts as alive while it waits.
 * Positions move, and with {@code commit=auto} are committed, only after the records to return are
 * chosen and only if the group is still in the same generation.
 */
@Service
public class GroupReader {
    private final GroupCoordinator coordinator;
    private final PartitionReads reads;
    private final PartitionWaits waits;

    public GroupReader(GroupCoordinator coordinator, PartitionReads reads, PartitionWaits waits) {
        this.coordinator = coordinator;
        this.reads = reads;
        this.waits = waits;
    }

    /** Returns {@link MemberRecords} now, or a {@link DeferredResult} of them. */
    public Object read(String group, String memberId, int limit, int maxBytes, long waitMs, boolean autoCommit) {
        return read(group, memberId, limit, maxBytes, waitMs, autoCommit, HeldRead.NONE);
    }

    /** As {@link #read(String, String, int, int, long, boolean)}; {@code held} is told when the read waits, and may end it early. */
    public Object read(String group, String memberId, int limit, int maxBytes, long waitMs, boolean autoCommit, HeldRead held) {
        ReadPlan plan = coordinator.beginRead(group, memberId);
        AtomicBoolean finished = new AtomicBoolean();
        try {
            MemberRecords now = readOnce(group, memberId, plan, limit, maxBytes);
            if (now.hasRecords() || waitMs <= 0 || plan.positions().isEmpty()) {
                return finish(group, memberId, plan, now, autoCommit, finished);
            }
            List<PartitionWaits.Condition> grown = new ArrayList<>();
            for (Map.Entry<TopicPartition, Long> e : plan.positions().entrySet()) {
                try {
                    grown.add(reads.beyond(e.getKey().topic(), e.getKey().partition(), e.getValue(), waitMs));
                } catch (io.runnel.error.RunnelException ex) {
                    // deleted, or no leader now: the others may still wake the read
                }
            }
            DeferredResult<MemberRecords> deferred = new DeferredResult<>(waitMs + PartitionWaits.ANSWER_GRACE.toMillis());
            PartitionWaits.Wait wait = waits.await(grown, Duration.ofMillis(waitMs), outcome -> {
                if (outcome == PartitionWaits.Outcome.CANCELLED) {
                    return; // the member went away: onCompletion ends its read
                }
                try {
                    MemberRecords r = readOnce(group, memberId, plan, limit, maxBytes);
                    deferred.setResult(finish(group, memberId, plan, r, autoCommit, finished));
                } catch (RuntimeException e) {
                    deferred.setErrorResult(e);
                }
            });
            Runnable released = held.held(deferred::setErrorResult);
            deferred.onCompletion(() -> {
                wait.cancel();
                abandon(group, memberId, finished);
                released.run();
            });
            return deferred;
        } catch (RuntimeException e) {
            abandon(group, memberId, finished);
            throw e;
        }
    }

    private void abandon(String group, String memberId, AtomicBoolean finished) {
        if (finished.compareAndSet(false, true)) {
            try {
                coordinator.endRead(group, memberId, -1, Map.of(), false);
            } catch (RuntimeException ignored) {
                // the member is gone already
            }
        }
    }

    private MemberRecords finish(String group, String memberId, ReadPlan plan, MemberRecords read, boolean autoCommit,
                                 AtomicBoolean finished) {
        if (!finished.compareAndSet(false, true)) {
            throw new IllegalStateException("read finished twice");
        }
        Map<TopicPartition, Long> next = new HashMap<>();
        for (MemberRecords.Slice s : read.slices()) {
            if (s.until() > s.from()) {
                next.put(new TopicPartition(s.topic(), s.partition()), s.until());
            }
        }
        if (coordinator.endRead(group, memberId, plan.membership().generation(), next, autoCommit)) {
            return read;
        }
        return new MemberRecords(coordinator.heartbeat(group, memberId), List.of());
    }

    private MemberRecords readOnce(String group, String memberId, ReadPlan plan, int limit, int maxBytes) {
        List<Map.Entry<TopicPartition, Long>> assigned = new ArrayList<>(plan.positions().entrySet());
        List<MemberRecords.Slice> slices = new ArrayList<>();
        if (assigned.isEmpty()) {
            return new MemberRecords(plan.membership(), slices);
        }
        int share = (limit + assigned.size() - 1) / assigned.size();
        int start = ThreadLocalRandom.current().nextInt(assigned.size());
        int recordsLeft = limit;
        int bytesLeft = maxBytes;
        for (int i = 0; i < assigned.size() && recordsLeft > 0 && bytesLeft > 0; i++) {
            Map.Entry<TopicPartition, Long> e = assigned.get((start + i) % assigned.size());
            TopicPartition tp = e.getKey();
            long from = e.getValue();
            LogReadResult r;
            try {
                r = reads.read(tp.topic(), tp.partition(), from, bytesLeft, Math.min(share, recordsLeft));
            } catch (LogException.OffsetOutOfRange ex) {
                coordinator.forgetPosition(group, memberId, tp); // retention passed it: the next read resolves it again
                continue;
            } catch (io.runnel.error.RunnelException ex) {
                continue; // deleted, or its leader is unreachable: read the other partitions
            }
            int quota = Math.min(share, recordsLeft);
            long until = from;
            int taken = 0;
            int bytes = 0;
            for (RecordBatch b : r.batches()) {
                if (taken >= quota) {
                    break;
                }
                // Count records, not offsets: a compacted batch holds fewer records than it covers offsets.
                long end = endAfterRecords(b, Math.max(from, until), quota - taken);
                taken += b.recordsFrom(Math.max(from, until)) - b.recordsFrom(end);
                until = Math.max(until, end);
                bytes += b.sizeInBytes();
            }
            if (until > from) {
                slices.add(new MemberRecords.Slice(tp.topic(), tp.partition(), r.batches(), from, until));
                recordsLeft -= taken;
                bytesLeft -= bytes;
            }
        }
        return new MemberRecords(plan.membership(), slices);
    }

    /**
     * The offset just past the {@code count}-th record of {@code batch} at or after {@code start},
     * or the batch's next offset when it holds no more than {@code count} such records (so offsets
     * compaction removed are passed over).
     */
    static long endAfterRecords(RecordBatch batch, long start, int count) {
        if (batch.recordsFrom(start) <= count) {
            return batch.nextOffset();
        }
        long[] end = {start};
        int[] seen = {0};
        batch.forEachRecord(start, (offset, timestamp, key, value, headers) -> {
            end[0] = offset + 1;
            return ++seen[0] < count;
        });
        return end[0];
    }
}
