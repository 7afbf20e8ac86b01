package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.ClusterPeers.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Every Ratis setting the metadata quorum departs from Ratis's defaults with, and why. */
final class RatisProperties {
    private static final TimeDuration CLIENT_RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);

    private RatisProperties() {
    }

    /** @param storageDir Ratis's storage directory; Ratis keeps each group in a sub-directory named by its id */
    static RaftProperties server(Peer self, Path storageDir, MetadataQuorum.Settings settings) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir.toAbsolutePath().toFile()));
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.raftPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, timeDuration(settings.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, timeDuration(settings.electionTimeoutMax()));
        // Ratis leaves snapshots to the state machine by default, and keeps every one.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, settings.snapshotsRetained());
        // Only closed segments are purged; Ratis's 32 MB segments would hold days of small metadata entries.
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(settings.logSegmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(settings.logSegmentBytes(), 4L << 20)));
        // Metadata is small: rather than keep the log for a member that is down, send it the snapshot.
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, settings.snapshotEvery()));
        // Ratis's default waits 5 s between attempts once a follower has failed ~30 times, which delays a
        // restarted member's catch-up by up to 5 s; retrying a small group every second is cheap.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 1s,100000000");
        return p;
    }

    static RaftProperties client(MetadataQuorum.Settings settings) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, timeDuration(settings.electionTimeoutMax().multipliedBy(2)));
        return p;
    }

    /**
     * Ratis's non-string settings: with TLS on, gRPC over TLS for every Raft connection (server to
     * server, client to server, admin) with the instance's key and trust managers; Ratis's default is
     * plain text. {@code GrpcConfigKeys.TLS} is the fallback of the three per-channel settings.
     */
    static Parameters parameters(InstanceTls tls) {
        Parameters p = new Parameters();
        if (tls.enabled()) {
            GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), tls.mutual()));
        }
        return p;
    }

    /**
     * Retries every request, pausing between tries, until {@code submitTimeout} has passed since it
     * was sent; Ratis's default retries forever without a pause.
     */
    static RetryPolicy clientRetry(MetadataQuorum.Settings settings) {
        RequestTypeDependentRetryPolicy.Builder policy = RequestTypeDependentRetryPolicy.newBuilder();
        for (RaftClientRequestProto.TypeCase type : RaftClientRequestProto.TypeCase.values()) {
            policy.setRetryPolicy(type, RetryPolicies.retryForeverWithSleep(CLIENT_RETRY_SLEEP))
                    .setTimeout(type, timeDuration(settings.submitTimeout()));
        }
        return policy.build();
    }

    private static TimeDuration timeDuration(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
