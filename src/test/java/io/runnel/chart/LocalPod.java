package io.runnel.chart;

import io.runnel.chart.HelmChart.Rendered;
import io.runnel.it.RunnelProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * One pod of the rendered StatefulSet, as a local process of {@code runnel.jar} would run it: what
 * the kubelet would give the {@code runnel} container, resolved without a cluster.
 *
 * <ul>
 *   <li>Environment: literal values as rendered; {@code fieldRef} {@code metadata.name} and
 *       {@code metadata.namespace} resolve to the pod's name ({@code <statefulset>-<ordinal>}) and
 *       the release namespace; {@code secretKeyRef} and {@code configMapKeyRef} to the rendered
 *       Secret's and ConfigMap's data.</li>
 *   <li>Volumes: each mount becomes a local directory under {@code workDir/<pod>/<volume>}: a
 *       ConfigMap's keys written as files, an emptyDir or volume claim template empty. Mount paths
 *       in environment values and arguments are rewritten to those directories.</li>
 *   <li>The container's {@code args} follow the jar (the image's entrypoint runs the same launcher);
 *       a {@code command} would replace the entrypoint and is refused.</li>
 * </ul>
 * Anything else the chart might use (another {@code valueFrom}, volume type) fails loudly, so a
 * chart change cannot slip past this emulation unnoticed.
 */
record LocalPod(String name, Map<String, String> env, List<String> args, Map<String, Path> mounts) {

    /** One {@code LocalPod} per replica of the chart's StatefulSet. */
    static List<LocalPod> all(Rendered chart, Path workDir) {
        JsonNode sts = chart.statefulSet();
        List<LocalPod> pods = new ArrayList<>();
        for (int ordinal = 0; ordinal < sts.at("/spec/replicas").asInt(); ordinal++) {
            pods.add(of(chart, sts.at("/metadata/name").asString() + "-" + ordinal, workDir));
        }
        return pods;
    }

    private static LocalPod of(Rendered chart, String podName, Path workDir) {
        JsonNode container = chart.runnelContainer();
        if (container.has("command")) {
            throw new IllegalStateException("the container overrides the image's entrypoint: " + container.path("command"));
        }
        Map<String, Path> mounts = mountVolumes(chart, podName, workDir.resolve(podName));
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode var : container.path("env")) {
            env.put(var.path("name").asString(), mapPaths(resolve(chart, podName, var), mounts));
        }
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(mapPaths(a.asString(), mounts)));
        return new LocalPod(podName, env, args, mounts);
    }

    /**
     * What {@link RunnelProcess} starts for this pod: its environment and arguments, its data
     * directory (where {@code RUNNEL_DATA_DIR} points) and a free loopback port in place of the
     * container's.
     */
    RunnelProcess.Launch launch() {
        String dataDir = env.get("RUNNEL_DATA_DIR");
        if (dataDir == null) {
            throw new IllegalStateException(name + ": no RUNNEL_DATA_DIR in the container's environment");
        }
        return RunnelProcess.Launch.of(name, Path.of(dataDir)).withEnv(env).withArgs(args);
    }

    /**
     * {@code request} with the {@code Authorization: Bearer} header the pod's bootstrap key
     * ({@code RUNNEL_SECURITY_BOOTSTRAPKEY}, from the rendered Secret) gives, as a client holding
     * that key sends it; unchanged when the chart turned security off.
     */
    HttpRequest.Builder authorize(HttpRequest.Builder request) {
        String key = env.get("RUNNEL_SECURITY_BOOTSTRAPKEY");
        return key == null || key.isEmpty() ? request : request.header("Authorization", "Bearer " + key);
    }

    /** The local directory standing in for the volume mounted at {@code mountPath}. */
    Path mountedAt(String mountPath) {
        Path local = mounts.get(mountPath);
        if (local == null) {
            throw new IllegalStateException(name + ": nothing is mounted at " + mountPath + "; mounts: " + mounts.keySet());
        }
        return local;
    }

    private static String resolve(Rendered chart, String podName, JsonNode var) {
        if (var.has("value")) {
            return var.path("value").asString();
        }
        JsonNode from = var.path("valueFrom");
        if (from.has("fieldRef")) {
            return switch (from.at("/fieldRef/fieldPath").asString()) {
                case "metadata.name" -> podName;
                case "metadata.namespace" -> HelmChart.NAMESPACE;
                default -> throw new IllegalStateException("unsupported fieldRef in " + var);
            };
        }
        if (from.has("secretKeyRef")) {
            String value = chart.secretData(from.at("/secretKeyRef/name").asString()).get(from.at("/secretKeyRef/key").asString());
            if (value == null) {
                throw new IllegalStateException("the rendered Secret has no key for " + var);
            }
            return value;
        }
        if (from.has("configMapKeyRef")) {
            JsonNode data = chart.get("ConfigMap", from.at("/configMapKeyRef/name").asString()).path("data");
            return data.path(from.at("/configMapKeyRef/key").asString()).asString();
        }
        throw new IllegalStateException("unsupported env entry " + var);
    }

    private static Map<String, Path> mountVolumes(Rendered chart, String podName, Path podDir) {
        JsonNode sts = chart.statefulSet();
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        sts.at("/spec/template/spec/volumes").forEach(v -> volumes.put(v.path("name").asString(), v));
        List<String> claims = new ArrayList<>();
        sts.at("/spec/volumeClaimTemplates").forEach(c -> claims.add(c.at("/metadata/name").asString()));

        Map<String, Path> mounts = new LinkedHashMap<>();
        try {
            for (JsonNode mount : chart.runnelContainer().path("volumeMounts")) {
                String volumeName = mount.path("name").asString();
                Path local = Files.createDirectories(podDir.resolve(volumeName));
                JsonNode volume = volumes.get(volumeName);
                if (volume != null && volume.has("configMap")) {
                    JsonNode data = chart.get("ConfigMap", volume.at("/configMap/name").asString()).path("data");
                    for (var file : data.properties()) {
                        Files.writeString(local.resolve(file.getKey()), file.getValue().asString(), StandardCharsets.UTF_8);
                    }
                } else if (!(claims.contains(volumeName) || volume != null && volume.has("emptyDir"))) {
                    throw new IllegalStateException(podName + ": cannot emulate volume " + volumeName + " (" + volume + ")");
                }
                mounts.put(mount.path("mountPath").asString(), local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mounts;
    }

    /** Rewrites each mount path (whole path segments only) in {@code value} to its local directory, in one pass. */
    private static String mapPaths(String value, Map<String, Path> mounts) {
        if (mounts.isEmpty()) {
            return value;
        }
        String alternatives = mounts.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|"));
        Pattern mountPaths = Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|$|[,;:\\s])");
        return mountPaths.matcher(value).replaceAll(m ->
                Matcher.quoteReplacement(mounts.get(m.group(1)).toAbsolutePath().toString()));
    }
}
