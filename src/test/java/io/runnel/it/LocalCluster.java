package io.runnel.it;

import io.runnel.it.RunnelProcess.Launch;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cluster of {@link RunnelProcess}es on loopback for black-box tests: instances {@code n0..n(k-1)},
 * each with its own HTTP and Raft port and data directory, all given the same peers and secret.
 * An instance keeps its ports and directory across {@link #restart}s. {@link #close} kills
 * every instance still running and, when {@link #passed} was called, deletes the data.
 */
final class LocalCluster implements AutoCloseable {
    static final String SECRET = "it-secret";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Launch> launches = new TreeMap<>();
    private final Map<String, RunnelProcess> running = new TreeMap<>();
    private final List<RunnelProcess> all = new ArrayList<>();
    private boolean passed;

    /** Starts {@code size} instances with {@code extraArgs} and waits until all are ready. */
    static LocalCluster start(String name, int size, Duration ready, String... extraArgs) throws IOException {
        return start(name, size, ready, Map.of(), null, extraArgs);
    }

    /**
     * Starts {@code size} instances with {@code extraEnv} added to their environment and
     * {@code extraArgs}, talking to them with {@code clientTls} ({@code null}: plain HTTP), and
     * waits until all are ready.
     */
    static LocalCluster start(String name, int size, Duration ready, Map<String, String> extraEnv, SSLContext clientTls,
                              String... extraArgs) throws IOException {
        LocalCluster cluster = new LocalCluster();
        List<String> peers = new ArrayList<>();
        List<Integer> httpPorts = new ArrayList<>();
        int[] ports = RunnelProcess.freePorts(2 * size);
        for (int i = 0; i < size; i++) {
            int http = ports[2 * i];
            int raft = ports[2 * i + 1];
            httpPorts.add(http);
            peers.add("n" + i + "@127.0.0.1:" + http + ":" + raft);
        }
        for (int i = 0; i < size; i++) {
            String id = "n" + i;
            List<String> args = new ArrayList<>(List.of("--runnel.cluster.peers=" + String.join(",", peers)));
            args.addAll(List.of(extraArgs));
            Map<String, String> env = new TreeMap<>(extraEnv);
            env.put("RUNNEL_CLUSTER_SECRET", SECRET);
            Launch launch = new Launch(id, RunnelProcess.newDataDir(name + "-" + id), httpPorts.get(i), env, args, clientTls);
            cluster.launches.put(id, launch);
            cluster.spawn(id);
        }
        for (RunnelProcess p : cluster.running.values()) {
            p.awaitReady(ready);
        }
        return cluster;
    }

    private RunnelProcess spawn(String id) {
        RunnelProcess p = RunnelProcess.start(launches.get(id));
        running.put(id, p);
        all.add(p);
        return p;
    }

    /** The running instance {@code id}. */
    RunnelProcess node(String id) {
        RunnelProcess p = running.get(id);
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(id + " is not running");
        }
        return p;
    }

    List<String> ids() {
        return List.copyOf(launches.keySet());
    }

    /** Ids of the instances whose process is alive (a paused one counts as alive). */
    List<String> alive() {
        return running.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    /** SIGKILL. */
    void kill(String id) {
        node(id).kill();
    }

    /**
     * SIGTERM, as an operator or Kubernetes stops an instance: waits up to {@code timeout} for it to
     * exit by itself (then SIGKILL). Returns whether it exited by itself in time.
     */
    boolean stop(String id, Duration timeout) {
        return node(id).stopWithin(timeout);
    }

    /** Starts {@code id} again on its ports and data directory and waits until it is ready. */
    RunnelProcess restart(String id, Duration ready) {
        RunnelProcess p = spawn(id);
        p.awaitReady(ready);
        return p;
    }

    /** Starts {@code id} again on its ports and data directory, without waiting (it may refuse to start). */
    RunnelProcess startAgain(String id) {
        return spawn(id);
    }

    /** Starts {@code id} again with an empty data directory (its disk was lost). */
    RunnelProcess restartEmpty(String id, Duration ready) {
        Launch old = launches.get(id);
        launches.put(id, new Launch(id, RunnelProcess.newDataDir(old.dataDir().getFileName() + "-empty"), old.port(), old.env(),
                old.args(), old.tls()));
        return restart(id, ready);
    }

    /**
     * Starts a new instance {@code id} on new ports with an empty data directory, the same secret and
     * options as {@code like}, and a peer list of itself plus the entries of {@code contacts} only (it
     * joins through them). Does not wait until it is ready.
     */
    RunnelProcess add(String id, String like, List<String> contacts) throws IOException {
        Launch model = launches.get(like);
        int[] ports = RunnelProcess.freePorts(2);
        int http = ports[0];
        int raft = ports[1];
        List<String> peers = new ArrayList<>(List.of(id + "@127.0.0.1:" + http + ":" + raft));
        contacts.forEach(c -> peers.add(peerEntry(c)));
        List<String> args = new ArrayList<>(model.args().stream().map(a -> a.startsWith("--runnel.cluster.peers=")
                ? "--runnel.cluster.peers=" + String.join(",", peers) : a).toList());
        Path dir = RunnelProcess.newDataDir("joined-" + id);
        launches.put(id, new Launch(id, dir, http, model.env(), args, model.tls()));
        return spawn(id);
    }

    /** Starts {@code id} again on its ports and data directory with the peer list {@code peers} ({@code id} among them). */
    RunnelProcess restartWithPeers(String id, List<String> peers, Duration ready) {
        Launch old = launches.get(id);
        String list = String.join(",", peers.stream().map(this::peerEntry).toList());
        launches.put(id, old.withArgs(old.args().stream().map(a -> a.startsWith("--runnel.cluster.peers=")
                ? "--runnel.cluster.peers=" + list : a).toList()));
        return restart(id, ready);
    }

    /** {@code id}'s own entry of its peer list, {@code id@host:httpPort:raftPort}. */
    String peerEntry(String id) {
        String peers = launches.get(id).args().stream().filter(a -> a.startsWith("--runnel.cluster.peers=")).findFirst().orElseThrow();
        for (String entry : peers.substring(peers.indexOf('=') + 1).split(",")) {
            if (entry.startsWith(id + "@")) {
                return entry;
            }
        }
        throw new IllegalArgumentException("no peer " + id);
    }

    /** The Raft (gRPC) port of {@code id}, from its peer entry. */
    int raftPort(String id) {
        String peers = launches.get(id).args().stream().filter(a -> a.startsWith("--runnel.cluster.peers=")).findFirst().orElseThrow();
        for (String entry : peers.substring(peers.indexOf('=') + 1).split(",")) {
            if (entry.startsWith(id + "@")) {
                return Integer.parseInt(entry.substring(entry.lastIndexOf(':') + 1));
            }
        }
        throw new IllegalArgumentException("no peer " + id);
    }

    Path dataDir(String id) {
        return launches.get(id).dataDir();
    }

    /** SIGSTOP or SIGCONT. */
    void signal(String id, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node(id).pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + id + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A partition as a live instance describes it, asking each in turn until one answers. */
    JsonNode partition(String topic, int partition, List<String> askable) {
        for (String id : askable) {
            try {
                Response r = node(id).get("/topics/" + topic + "/partitions/" + partition, Duration.ofSeconds(15));
                if (r.status() == 200) {
                    return JSON.readTree(r.body());
                }
            } catch (IOException | IllegalStateException e) {
                // try the next one
            }
        }
        throw new IllegalStateException("no instance of " + askable + " described " + topic + "-" + partition);
    }

    Optional<String> controller(String askId) throws IOException {
        JsonNode c = JSON.readTree(node(askId).get("/cluster").body());
        return c.get("controller").isNull() ? Optional.empty() : Optional.of(c.get("controller").asString());
    }

    void passed() {
        passed = true;
    }

    @Override
    public void close() {
        all.forEach(RunnelProcess::close);
        if (passed) {
            launches.values().forEach(l -> RunnelProcess.deleteRecursively(l.dataDir()));
        }
    }
}
