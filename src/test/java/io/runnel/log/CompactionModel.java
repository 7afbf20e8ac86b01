package io.runnel.log;

import io.runnel.log.LogTestSupport.Rec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a compacted log must hold, computed the simple way: the records present, and for each
 * cleaning pass (given where the log's active segment starts, as a reader sees it) the records it
 * must drop — the superseded ones in the range the key map covers, and tombstones clean for
 * {@code delete.retention.ms}. One leader epoch and no producer ids, so no batch must keep a
 * record it could drop (see {@link CleanedSegmentWriter}).
 */
final class CompactionModel {
    final List<Rec> appended = new ArrayList<>();
    /** Records the log must hold, in offset order. */
    List<Rec> present = new ArrayList<>();
    /** {endOffset, time} of each pass, as the clean history. */
    private final List<long[]> history = new ArrayList<>();

    void appended(List<Rec> records) {
        appended.addAll(records);
        present.addAll(records);
    }

    long firstDirty() {
        return history.isEmpty() ? 0 : history.get(history.size() - 1)[0];
    }

    /**
     * A pass over the closed segments, which end at {@code activeBase}, with a map of
     * {@code mapCapacity} keys, at {@code now}. Returns the end the map covers.
     */
    long clean(long activeBase, int mapCapacity, long deleteRetentionMs, long now) {
        long firstDirty = firstDirty();
        if (activeBase <= firstDirty) {
            return firstDirty;
        }
        Map<String, Long> latest = new HashMap<>();
        long mapEnd = activeBase;
        long lastRecord = -1;
        for (Rec r : present) {
            if (r.offset() < firstDirty || r.offset() >= activeBase) {
                continue;
            }
            if (r.key() != null && !latest.containsKey(r.key()) && latest.size() >= mapCapacity) {
                mapEnd = r.offset();
                break;
            }
            if (r.key() != null) {
                latest.put(r.key(), r.offset());
            }
            lastRecord = r.offset();
        }
        long end = mapEnd;
        long last = lastRecord;
        present = new ArrayList<>(present.stream().filter(r -> keeps(r, end, last, latest, deleteRetentionMs, now)).toList());
        history.add(new long[] {mapEnd, history.isEmpty() ? now : Math.max(now, history.get(history.size() - 1)[1])});
        return mapEnd;
    }

    private boolean keeps(Rec r, long mapEnd, long lastRecord, Map<String, Long> latest, long deleteRetentionMs, long now) {
        if (r.offset() >= mapEnd || r.offset() == lastRecord || r.key() == null) {
            return true;
        }
        if (latest.getOrDefault(r.key(), -1L) > r.offset()) {
            return false;
        }
        if (r.value() != null) {
            return true;
        }
        for (long[] h : history) {
            if (r.offset() < h[0]) {
                return now - h[1] < deleteRetentionMs;
            }
        }
        return true;
    }

    /** Whether {@code got} lies between what must remain and what was appended: a crash may leave any state between. */
    static boolean between(List<Rec> got, List<Rec> atLeast, List<Rec> atMost) {
        Set<Rec> allowed = new HashSet<>(atMost);
        Set<Rec> have = new HashSet<>(got);
        return allowed.containsAll(got) && have.containsAll(atLeast) && have.size() == got.size()
                && got.stream().map(Rec::offset).sorted().toList().equals(got.stream().map(Rec::offset).toList());
    }
}
