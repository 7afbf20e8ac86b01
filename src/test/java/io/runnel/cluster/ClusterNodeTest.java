package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.error.ErrorCode;
import org.junit.jupiter.api.Test;

class ClusterNodeTest {

    @Test
    void everyClientCausedApplyCodeMapsToTheApiCodeOfTheSameNameAndTheRestToAnInternalError() {
        assertThat(ClusterNode.errorCode(ApplyResult.Code.TOPIC_ALREADY_EXISTS)).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.TOPIC_NOT_FOUND)).isEqualTo(ErrorCode.TOPIC_NOT_FOUND);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.PARTITION_NOT_FOUND)).isEqualTo(ErrorCode.PARTITION_NOT_FOUND);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.INVALID_PARTITIONS)).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.INVALID_REPLICATION_FACTOR)).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.STALE_LEADER_EPOCH)).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(ClusterNode.errorCode(ApplyResult.Code.INVALID_COMMAND)).isEqualTo(ErrorCode.INTERNAL_ERROR);
    }
}
