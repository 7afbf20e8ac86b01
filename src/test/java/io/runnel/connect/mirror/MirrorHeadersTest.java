package io.runnel.connect.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MirrorHeadersTest {

    @Test
    void aRecordThatWasInTheTargetLoopsAndIsSkipped() {
        assertThat(MirrorHeaders.hasBeenIn(Map.of(), "west")).isFalse();
        assertThat(MirrorHeaders.hasBeenIn(Map.of(MirrorHeaders.CLUSTERS, "east"), "west")).isFalse();
        assertThat(MirrorHeaders.hasBeenIn(Map.of(MirrorHeaders.CLUSTERS, "west, east"), "west")).isTrue();
        assertThat(MirrorHeaders.hasBeenIn(Map.of(MirrorHeaders.CLUSTERS, "west-2"), "west")).isFalse();
    }

    @Test
    void aCopyOfACopyExtendsTheClusterListAndReplacesTheOffset() {
        Map<String, String> once = MirrorHeaders.forCopy(Map.of("app", "x"), "east", 7, "east-id");
        assertThat(once).containsEntry("app", "x").containsEntry(MirrorHeaders.SOURCE, "east").containsEntry(MirrorHeaders.OFFSET, "7")
                .containsEntry(MirrorHeaders.CLUSTERS, "east-id");
        Map<String, String> twice = MirrorHeaders.forCopy(once, "west", 3, "west-id");
        assertThat(twice).containsEntry(MirrorHeaders.SOURCE, "west").containsEntry(MirrorHeaders.OFFSET, "3")
                .containsEntry(MirrorHeaders.CLUSTERS, "east-id,west-id");
        // back to east: it has been there, so a mirror from west to east skips it
        assertThat(MirrorHeaders.hasBeenIn(twice, "east-id")).isTrue();
        assertThat(MirrorHeaders.sourceOffset(twice)).hasValue(3);
        assertThat(MirrorHeaders.sourceOffset(Map.of())).isEmpty();
        assertThat(MirrorHeaders.sourceOffset(Map.of(MirrorHeaders.OFFSET, "x"))).isEmpty();
    }
}
