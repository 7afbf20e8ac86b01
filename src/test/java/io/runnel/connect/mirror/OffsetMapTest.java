package io.runnel.connect.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OffsetMapTest {

    @Test
    void aSourceOffsetTranslatesToTheFirstCopiedRecordAtOrAfterIt() {
        OffsetMap map = new OffsetMap();
        map.reset(100, 500);
        assertThat(map.translate(100)).hasValue(500); // caught up, nothing written yet: the target's end
        assertThat(map.translate(99)).isEmpty(); // older than anything remembered: search
        assertThat(map.translate(101)).isEmpty(); // not copied yet
        map.written(new long[] {100, 101, 102}, 500, 103);
        map.skipped(110); // 103..109 looped back, nothing written
        map.written(new long[] {110, 112, 115}, 503, 120); // gaps: source compaction or skipped records
        assertThat(map.translate(100)).hasValue(500);
        assertThat(map.translate(102)).hasValue(502);
        assertThat(map.translate(103)).hasValue(503);
        assertThat(map.translate(109)).hasValue(503);
        assertThat(map.translate(111)).hasValue(504);
        assertThat(map.translate(113)).hasValue(505);
        assertThat(map.translate(116)).hasValue(506);
        assertThat(map.translate(120)).hasValue(506);
        assertThat(map.translate(121)).isEmpty();
        assertThat(map.position()).isEqualTo(120);
        assertThat(map.targetNext()).isEqualTo(506);
    }

    @Test
    void onlyTheNewestSegmentsAreKept() {
        OffsetMap map = new OffsetMap();
        map.reset(0, 0);
        for (int i = 0; i < OffsetMap.MAX_SEGMENTS + 10; i++) {
            map.written(new long[] {i}, i, i + 1);
        }
        assertThat(map.translate(5)).isEmpty();
        assertThat(map.translate(OffsetMap.MAX_SEGMENTS + 5)).hasValue(OffsetMap.MAX_SEGMENTS + 5);
    }

    @Test
    void theTargetSearchFindsTheFirstRecordCarryingAnOffsetAtOrAfter() {
        // target offsets 10..19 hold source offsets 3,4,7,8,9,20,21,22,30,31; 14 was compacted away
        long[] sources = {3, 4, 7, 8, 9, 20, 21, 22, 30, 31};
        List<Long> probes = new ArrayList<>();
        java.util.function.LongFunction<CompletableFuture<TargetSearch.Probe>> probe = at -> {
            probes.add(at);
            for (long t = Math.max(at, 10); t < 20; t++) {
                if (t != 14) {
                    return CompletableFuture.completedFuture(new TargetSearch.Probe(t, sources[(int) t - 10]));
                }
            }
            return CompletableFuture.completedFuture(null);
        };
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 0, probe).join()).isEqualTo(10);
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 5, probe).join()).isEqualTo(12);
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 10, probe).join()).isBetween(14L, 15L);
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 22, probe).join()).isEqualTo(17);
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 31, probe).join()).isEqualTo(19);
        assertThat(TargetSearch.firstAtOrAfter(10, 20, 32, probe).join()).isEqualTo(20);
        assertThat(probes.size()).isLessThan(40);
    }

    @Test
    void ownershipIsStableAndSpreadsPartitions() {
        int[] count = new int[3];
        for (int p = 0; p < 30; p++) {
            for (int t = 0; t < 3; t++) {
                if (MirrorTask.owns("orders", p, t, 3)) {
                    count[t]++;
                }
            }
        }
        assertThat(count).containsExactly(10, 10, 10);
    }
}
