package io.runnel.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart in {@code helm/runnel}, linted and rendered by the real Helm engine (helm-java bundles
 * Helm's Go library), with the manifests parsed for assertions.
 *
 * <p>{@link #render} is {@code helm template demo helm/runnel --namespace streaming --set k=v ...},
 * except that {@code lookup} asks {@link FakeKubernetesApi} (so tests can render an upgrade of a
 * release whose Secret or StatefulSet exists). helm-java leaves hooks out of its output, so
 * {@link #renderWithHooks} renders a copy of the chart whose hook annotations were renamed from
 * {@code helm.sh/hook*} to {@code unhooked.runnel.io/hook*} ({@link #HOOK}, {@link #HOOK_WEIGHT},
 * {@link #HOOK_DELETE_POLICY}): they render as plain objects, their annotations still there to
 * check. Schema violations and template errors surface as {@link IllegalStateException} carrying
 * Helm's message.
 */
final class HelmChart {
    static final Path DIR = Path.of("helm", "runnel");
    static final String RELEASE = "demo";
    static final String NAMESPACE = "streaming";
    /** The {@code helm.sh/hook} annotation, as {@link #renderWithHooks} renames it. */
    static final String HOOK = "unhooked.runnel.io/hook";
    static final String HOOK_WEIGHT = "unhooked.runnel.io/hook-weight";
    static final String HOOK_DELETE_POLICY = "unhooked.runnel.io/hook-delete-policy";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HelmChart() {
    }

    static LintResult lintStrict() {
        return new Helm(DIR).lint().strict().call();
    }

    /** Renders the chart with {@code --set} values (dotted keys, as on Helm's command line). */
    static Rendered render(Map<String, ?> values) {
        return render(DIR, values);
    }

    /** As {@link #render}, keeping the hooks (the {@code helm test} pod, the scaling Jobs) in the output. */
    static Rendered renderWithHooks(Map<String, ?> values) {
        Path copy = copyWithRenamedHookAnnotations();
        try {
            return render(copy, values);
        } finally {
            deleteRecursively(copy);
        }
    }

    /** The NOTES.txt an install would print: a client-only dry-run install. */
    static String notes(Map<String, ?> values) {
        FakeKubernetesApi.ensureRunning();
        var install = new Helm(DIR).install().withName(RELEASE).withNamespace(NAMESPACE).clientOnly().dryRun();
        values.forEach(install::set);
        String output = install.call().getOutput();
        int notes = output.indexOf("NOTES:");
        return notes < 0 ? "" : output.substring(notes);
    }

    private static Rendered render(Path chart, Map<String, ?> values) {
        FakeKubernetesApi.ensureRunning();
        var template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(template::set);
        return Rendered.parse(template.call());
    }

    private static Path copyWithRenamedHookAnnotations() {
        try {
            Path copy = Files.createTempDirectory("runnel-chart-");
            try (Stream<Path> files = Files.walk(DIR)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(DIR.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (source.startsWith(DIR.resolve("templates"))) {
                        String text = Files.readString(source, StandardCharsets.UTF_8);
                        Files.writeString(target, text.replaceAll("(?m)^([ \\t]*)helm\\.sh/hook", "$1unhooked.runnel.io/hook"));
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }

    /** One render: every manifest as a JSON tree, in Helm's install order. */
    record Rendered(List<JsonNode> manifests) {
        static Rendered parse(String yaml) {
            List<JsonNode> manifests = new ArrayList<>();
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
                if (document != null) {
                    manifests.add(JSON.valueToTree(document));
                }
            }
            return new Rendered(List.copyOf(manifests));
        }

        List<JsonNode> ofKind(String kind) {
            return manifests.stream().filter(m -> kind.equals(m.path("kind").asString())).toList();
        }

        Optional<JsonNode> find(String kind, String name) {
            return ofKind(kind).stream().filter(m -> name.equals(m.at("/metadata/name").asString())).findFirst();
        }

        JsonNode get(String kind, String name) {
            return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds()));
        }

        /** The chart's only StatefulSet. */
        JsonNode statefulSet() {
            List<JsonNode> sets = ofKind("StatefulSet");
            if (sets.size() != 1) {
                throw new AssertionError("expected one StatefulSet, got " + sets.size());
            }
            return sets.get(0);
        }

        /** The {@code runnel} container of the StatefulSet's pod template. */
        JsonNode runnelContainer() {
            for (JsonNode c : statefulSet().at("/spec/template/spec/containers")) {
                if ("runnel".equals(c.path("name").asString())) {
                    return c;
                }
            }
            throw new AssertionError("no container named runnel");
        }

        /** The container's environment as written: name → the EnvVar object. */
        Map<String, JsonNode> env() {
            Map<String, JsonNode> env = new LinkedHashMap<>();
            runnelContainer().path("env").forEach(e -> env.put(e.path("name").asString(), e));
            return env;
        }

        /** A Secret's decoded {@code data}. */
        Map<String, String> secretData(String name) {
            Map<String, String> data = new LinkedHashMap<>();
            get("Secret", name).path("data").properties().forEach(e -> data.put(e.getKey(),
                    new String(Base64.getDecoder().decode(e.getValue().asString()), StandardCharsets.UTF_8)));
            return data;
        }

        List<String> kinds() {
            return manifests.stream().map(m -> m.path("kind").asString() + "/" + m.at("/metadata/name").asString()).toList();
        }
    }
}
