package io.runnel.storage;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that knows where things live under {@code runnel.data-dir}; every other class asks
 * it for a path instead of joining names itself.
 *
 * <pre>
 * &lt;data-dir&gt;/
 * ├── &lt;topic&gt;-&lt;partition&gt;/              a partition held here; opened by partition.LogManager, contents owned by log.PartitionLog
 * │   ├── &lt;base offset&gt;.log              segment: CRC-framed batches            append log       PartitionLog, Segment
 * │   ├── &lt;base offset&gt;.index            offset index (rebuildable)             fixed entries    Segment
 * │   ├── &lt;base offset&gt;.timeindex        timestamp index (rebuildable)          fixed entries    Segment
 * │   │                                   (producer state, which makes an Idempotency-Key replay safe, has no file:
 * │   │                                    it is rebuilt from the segments' batch headers, log.ProducerStates)
 * │   ├── recovery-point                  offset known to be on disk             atomic file      PartitionLog
 * │   ├── leader-epoch-checkpoint         first offset of each leader epoch      atomic file      PartitionLog
 * │   ├── clean-shutdown                  only between a clean close and an open atomic file      PartitionLog
 * │   ├── log-reset                       only while a follower starts afresh    atomic file      PartitionLog
 * │   └── replication-high-watermark      last saved replicated high watermark   atomic file      partition.Partition
 * ├── meta/
 * │   ├── topics.json                     topic list (single node)               atomic file      topic.LocalTopicCatalog
 * │   ├── cluster-id                      cluster id (single node), written once atomic file      cluster.NodeIdentity
 * │   ├── connectors.json                 connector definitions (single node)    atomic file      connect.LocalConnectorStore
 * │   ├── group-offsets/                  committed offsets (single node)        a PartitionLog   group.LogOffsetStore
 * │   └── group-offsets.snapshot.json     their snapshot                         atomic file      group.LogOffsetStore
 * ├── raft/                               metadata quorum (cluster only)         Ratis storage    cluster.MetadataQuorum
 * │   └── &lt;group uuid&gt;/                   the Raft log and snapshots             Ratis's own layout
 * └── orphaned/                           set-aside partitions (cluster only)    rename           partition.LogManager
 *     └── &lt;topic&gt;-&lt;partition&gt;.&lt;millis&gt;/  a partition directory the new metadata did not place here
 * </pre>
 *
 * <p>"Atomic file" means written to a temporary sibling, forced, renamed over the target and the
 * directory forced ({@code log.AtomicFile}). A partition directory is named by {@link #partitionDir};
 * {@link #parsePartitionDir} reads such a name back, so the scan for orphan directories recognizes
 * exactly what this class makes. {@code io.runnel.log} does not use this class: it is handed its
 * partition directory and knows only that directory's contents.
 *
 * <p>Immutable and thread-safe; it makes no directory itself.
 */
public final class DataLayout {
    /** {@code <topic>-<partition>}: the last dash splits, since topic names may contain dashes. */
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(\\d{1,9})");
    private static final String HIGH_WATERMARK_CHECKPOINT = "replication-high-watermark";

    private final Path root;

    /** @param dataDir {@code runnel.data-dir}; made absolute */
    public DataLayout(Path dataDir) {
        this.root = dataDir.toAbsolutePath().normalize();
    }

    /** A topic partition recognized from its directory's name. */
    public record PartitionDir(String topic, int partition) {
    }

    /** The data directory itself (absolute). */
    public Path root() {
        return root;
    }

    /** {@code <data-dir>/<topic>-<partition>/}: one partition's log. */
    public Path partitionDir(String topic, int partition) {
        return root.resolve(topic + "-" + partition);
    }

    /**
     * The topic and partition a directory directly under the data directory holds, if its name has
     * the shape {@link #partitionDir} gives; empty for {@code meta}, {@code raft}, {@code orphaned}
     * and anything foreign.
     */
    public Optional<PartitionDir> parsePartitionDir(Path dir) {
        Matcher m = PARTITION_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Optional.of(new PartitionDir(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /** {@code <partition dir>/replication-high-watermark}: the last saved replicated high watermark. */
    public static Path highWatermarkCheckpoint(Path partitionDir) {
        return partitionDir.resolve(HIGH_WATERMARK_CHECKPOINT);
    }

    /** {@code <data-dir>/meta/}: this instance's metadata files. */
    public Path metaDir() {
        return root.resolve("meta");
    }

    /** {@code <data-dir>/meta/topics.json}: the topic list of a single node. */
    public Path topicsFile() {
        return metaDir().resolve("topics.json");
    }

    /** {@code <data-dir>/meta/connectors.json}: the connector definitions of a single node. */
    public Path connectorsFile() {
        return metaDir().resolve("connectors.json");
    }

    /** {@code <data-dir>/meta/security.json}: the API keys and ACLs of a single node. */
    public Path securityFile() {
        return metaDir().resolve("security.json");
    }

    /** {@code <data-dir>/meta/cluster-id}: the cluster id of a single node. */
    public Path clusterIdFile() {
        return metaDir().resolve("cluster-id");
    }

    /** {@code <data-dir>/meta/group-offsets/}: the log of committed group offsets of a single node. */
    public Path groupOffsetsDir() {
        return metaDir().resolve("group-offsets");
    }

    /** {@code <data-dir>/meta/group-offsets.snapshot.json}: the snapshot of {@link #groupOffsetsDir}. */
    public Path groupOffsetsSnapshot() {
        return metaDir().resolve("group-offsets.snapshot.json");
    }

    /** {@code <data-dir>/raft/}: the Ratis storage directory of the metadata quorum. */
    public Path raftDir() {
        return root.resolve("raft");
    }

    /** {@code <data-dir>/raft/<group-uuid>/}: where Ratis keeps the group's log and snapshots. */
    public Path raftGroupDir(UUID groupId) {
        return raftDir().resolve(groupId.toString());
    }

    /** {@code <data-dir>/orphaned/}: partition directories set aside instead of deleted. */
    public Path orphanedDir() {
        return root.resolve("orphaned");
    }

    /** {@code <data-dir>/orphaned/<dir name>.<millis>}: where {@code partitionDir} is set aside at {@code millis}. */
    public Path orphanedCopy(Path partitionDir, long millis) {
        return orphanedDir().resolve(partitionDir.getFileName() + "." + millis);
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
