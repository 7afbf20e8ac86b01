package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.ClusterPeers.Peer;
import io.runnel.log.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft group this instance belongs to, as its data dir records it. The group is chosen once
 * (bootstrapped from the peer list, or learnt from the cluster when joining) and found on disk at every
 * later start; it is never derived again from {@code runnel.cluster.peers}, so a changed peer list does
 * not make a new, empty group.
 *
 * <p>Layout: Ratis keeps a group in {@code <raft-dir>/<group-uuid>/}. An instance that bootstrapped
 * the group also has {@code <raft-dir>/<group-uuid>.bootstrap}, the peer entries the group started
 * with, one per line (written before the Raft server first starts; Ratis ignores files there). Those
 * peers are the initial configuration a Raft server starts with; the configuration in its log and
 * storage replaces it as soon as it is read. A joined instance has no such file and starts with an
 * empty configuration, which the leader's log fills.
 *
 * <p>A data dir holding more than one group (written by a version that derived the group from a
 * changed peer list) keeps the group whose files were modified last, and moves every other one to
 * {@code <data-dir>/orphaned/raft-<uuid>.<millis>} with a warning naming both directories: it is
 * never deleted, and the instance starts.
 *
 * <p>Not thread-safe; used once at start.
 */
final class LocalRaftGroup {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRaftGroup.class);
    private static final String BOOTSTRAP_SUFFIX = ".bootstrap";

    /**
     * A group found on disk.
     *
     * @param groupId        its uuid
     * @param bootstrapPeers the peers it was bootstrapped with here; empty if this instance joined it
     *                       (or it was made by a version that did not record them)
     */
    record Found(UUID groupId, List<Peer> bootstrapPeers) {
        Found {
            bootstrapPeers = List.copyOf(bootstrapPeers);
        }

        /** Whether this instance bootstrapped the group (rather than joined it, or an earlier version made it). */
        boolean bootstrappedHere() {
            return !bootstrapPeers.isEmpty();
        }
    }

    private LocalRaftGroup() {
    }

    /**
     * The group in {@code raftDir}, if any; with several, the newest, the others moved aside under
     * {@code orphanedDir}.
     */
    static Optional<Found> find(Path raftDir, Path orphanedDir, long nowMillis) throws IOException {
        if (!Files.isDirectory(raftDir)) {
            return Optional.empty();
        }
        List<Path> groups;
        try (Stream<Path> dirs = Files.list(raftDir)) {
            groups = dirs.filter(Files::isDirectory).filter(d -> uuid(d).isPresent()).collect(Collectors.toCollection(ArrayList::new));
        }
        if (groups.isEmpty()) {
            return Optional.empty();
        }
        groups.sort(Comparator.comparing(LocalRaftGroup::lastModified).reversed());
        Path kept = groups.get(0);
        for (Path other : groups.subList(1, groups.size())) {
            Path aside = orphanedDir.resolve("raft-" + other.getFileName() + "." + nowMillis);
            Files.createDirectories(orphanedDir);
            LOG.warn("The data dir holds more than one metadata group: keeping {}, the newest, and moving {} to {}", kept, other, aside);
            Files.move(other, aside);
            Path bootstrap = bootstrapFile(raftDir, uuid(other).orElseThrow());
            if (Files.exists(bootstrap)) {
                Files.move(bootstrap, orphanedDir.resolve("raft-" + other.getFileName() + BOOTSTRAP_SUFFIX + "." + nowMillis));
            }
        }
        UUID id = uuid(kept).orElseThrow();
        Path bootstrap = bootstrapFile(raftDir, id);
        List<Peer> peers = new ArrayList<>();
        if (Files.exists(bootstrap)) {
            for (String line : Files.readAllLines(bootstrap, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    peers.add(Peer.parse(line.strip()));
                }
            }
        }
        return Optional.of(new Found(id, peers));
    }

    /** Records that this instance bootstraps {@code groupId} with {@code peers}; before its Raft server first starts. */
    static void recordBootstrap(Path raftDir, UUID groupId, List<Peer> peers) throws IOException {
        Files.createDirectories(raftDir);
        String lines = peers.stream().map(Peer::toString).collect(Collectors.joining("\n", "", "\n"));
        AtomicFile.write(bootstrapFile(raftDir, groupId), lines.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The group id a new cluster bootstrapped from {@code peers} gets: the same on every instance given
     * the same peer ids, so instances starting together agree on it. Used once, at the bootstrap.
     */
    static UUID bootstrapGroupId(ClusterPeers peers) {
        String ids = peers.all().stream().map(Peer::id).sorted().collect(Collectors.joining(","));
        return UUID.nameUUIDFromBytes(("runnel-metadata:" + ids).getBytes(StandardCharsets.UTF_8));
    }

    private static Path bootstrapFile(Path raftDir, UUID groupId) {
        return raftDir.resolve(groupId + BOOTSTRAP_SUFFIX);
    }

    private static Optional<UUID> uuid(Path dir) {
        try {
            return Optional.of(UUID.fromString(dir.getFileName().toString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static FileTime lastModified(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(f -> {
                try {
                    return Files.getLastModifiedTime(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).max(Comparator.naturalOrder()).orElse(FileTime.fromMillis(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
