package dev.prodlens.api.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The HTTP API's contract. The OpenAPI document ({@code openapi.json} on the classpath) is the one
 * declaration of every operation: its method, path, {@code operationId}, parameters with their
 * ranges, bodies and every status it answers. {@link ApiServer} registers exactly the operations
 * declared here, one handler per {@code operationId}, and refuses to start when the two differ; it
 * answers 405 with {@code Allow} from the declared methods of a known path; and it serves {@link
 * #json()} at {@code /openapi.json}, so routes and document cannot drift apart.
 *
 * <p>The document is rendered for this service's settings: whatever is marked {@code
 * x-prodlens-requires} (an operation, a parameter, a {@code oneOf} branch) is left out where its
 * feature is off (item writes without {@code live.write-key}, {@code /admin/reload} without {@code
 * api.admin-key}, image URLs without allow-listed hosts), as those answer 404 or 400 here like
 * anything undocumented; and the ranges the settings set are stated ({@link Limits}).
 */
public final class ApiContract {
    /** Features that decide which operations and parameters this service offers. */
    public enum Feature {
        WRITES("writes"),
        ADMIN("admin"),
        URL_FETCH("url-fetch");

        private final String name;

        Feature(String name) {
            this.name = name;
        }

        static Feature named(String name) {
            for (Feature f : values()) if (f.name.equals(name)) return f;
            throw new IllegalStateException(
                    "openapi.json: " + REQUIRES + " names an unknown feature '" + name + "'");
        }
    }

    /** The extension marking what needs a feature; never served. */
    static final String REQUIRES = "x-prodlens-requires";

    private static final Set<String> METHODS =
            Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    /**
     * One declared operation.
     *
     * @param method upper case, as HTTP has it
     * @param path the OpenAPI path template ({@code /v1/items/{id}}), which is Javalin's syntax too
     * @param offered false where its feature is off here: the service answers it 404, the rendered
     *     document leaves it out
     */
    public record Operation(String method, String path, String id, boolean offered) {}

    /**
     * A declared path: its template as a pattern, its literal characters (how specific it is), and
     * its operations.
     */
    private record DeclaredPath(Pattern pattern, int literals, List<Operation> operations) {}

    private final List<Operation> operations;
    private final String json;

    /** Most specific first: the first that matches a request path is the one it names. */
    private final List<DeclaredPath> paths;

    private ApiContract(List<Operation> operations, String json) {
        this.operations = operations;
        this.json = json;
        Map<String, List<Operation>> byPath = new java.util.LinkedHashMap<>();
        for (Operation op : operations)
            byPath.computeIfAbsent(op.path(), p -> new ArrayList<>()).add(op);
        List<DeclaredPath> declared = new ArrayList<>();
        byPath.forEach(
                (path, ops) ->
                        declared.add(
                                new DeclaredPath(
                                        template(path),
                                        path.replaceAll("\\{[^}]*\\}", "").length(),
                                        List.copyOf(ops))));
        declared.sort(java.util.Comparator.comparingInt(DeclaredPath::literals).reversed());
        this.paths = List.copyOf(declared);
    }

    /**
     * The settings the document states as ranges: k's default and maximum ({@code api.default-k},
     * {@code api.max-k}), images per batch search ({@code api.batch.max-images}), items per batch
     * write ({@code live.batch.max-items}).
     */
    public record Limits(int defaultK, int maxK, int maxBatchImages, int maxBatchItems) {}

    /** The contract of a service with {@code features} on and these limits. */
    public static ApiContract of(Set<Feature> features, Limits limits) {
        JsonObject document = template();
        Set<Feature> on =
                features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features);
        List<Operation> operations = new ArrayList<>();
        JsonObject paths = document.getAsJsonObject("paths");
        for (String path : List.copyOf(paths.keySet())) {
            JsonObject item = paths.getAsJsonObject(path);
            for (String method : List.copyOf(item.keySet())) {
                if (!METHODS.contains(method)) continue;
                JsonObject op = item.getAsJsonObject(method);
                String where = method.toUpperCase(Locale.ROOT) + " " + path;
                if (!op.has("operationId"))
                    throw new IllegalStateException(
                            "openapi.json: " + where + " has no operationId");
                operations.add(
                        new Operation(
                                method.toUpperCase(Locale.ROOT),
                                path,
                                op.get("operationId").getAsString(),
                                offered(op, on)));
            }
        }
        prune(document, on);
        for (String path : List.copyOf(paths.keySet())) {
            if (paths.getAsJsonObject(path).keySet().stream().noneMatch(METHODS::contains))
                paths.remove(path);
        }
        JsonObject components = document.getAsJsonObject("components");
        JsonObject k = components.getAsJsonObject("parameters").getAsJsonObject("K");
        k.getAsJsonObject("schema").addProperty("maximum", limits.maxK());
        k.getAsJsonObject("schema").addProperty("default", limits.defaultK());
        JsonObject schemas = components.getAsJsonObject("schemas");
        schemas.getAsJsonObject("SearchImages")
                .getAsJsonObject("properties")
                .getAsJsonObject("image")
                .addProperty("maxItems", limits.maxBatchImages());
        schemas.getAsJsonObject("ItemBatch")
                .getAsJsonObject("properties")
                .getAsJsonObject("items")
                .addProperty("maxItems", limits.maxBatchItems());
        return new ApiContract(List.copyOf(operations), document.toString());
    }

    /** Every declared operation, offered here or not, in the document's order. */
    public List<Operation> operations() {
        return operations;
    }

    /** The document as served at {@code /openapi.json}. */
    public String json() {
        return json;
    }

    /**
     * The methods this service offers on {@code requestPath} (for a 405's {@code Allow}), HEAD
     * wherever GET is; empty for a path no operation declares.
     */
    public Set<String> allowed(String requestPath) {
        Set<String> methods = new TreeSet<>();
        for (Operation op : on(requestPath)) {
            if (op.offered()) methods.addAll(withHead(op.method()));
        }
        return methods;
    }

    /**
     * For a request to a declared path with a method not declared there (offered here or not: one
     * that is off answers how to turn it on), {@link #allowed}; else empty (the path is not
     * declared, or the method is). One lookup: the server asks this of every request.
     */
    public Set<String> methodNotAllowed(String method, String requestPath) {
        List<Operation> declared = on(requestPath);
        Set<String> allowed = new TreeSet<>();
        for (Operation op : declared) {
            if (withHead(op.method()).contains(method)) return Set.of();
            if (op.offered()) allowed.addAll(withHead(op.method()));
        }
        return allowed;
    }

    private static Set<String> withHead(String method) {
        return method.equals("GET") ? Set.of("GET", "HEAD") : Set.of(method);
    }

    /**
     * The operations of the declared path {@code requestPath} is an instance of; where several
     * templates match, the one with the most literal characters, as OpenAPI has concrete paths
     * match before templated ones ({@code /v1/items/batch} before {@code /v1/items/{id}}).
     */
    private List<Operation> on(String requestPath) {
        for (DeclaredPath declared : paths) {
            if (declared.pattern().matcher(requestPath).matches()) return declared.operations();
        }
        return List.of();
    }

    /** Whether a marked node (operation, parameter, schema) is offered with {@code on}. */
    private static boolean offered(JsonObject node, Set<Feature> on) {
        JsonElement requires = node.get(REQUIRES);
        return requires == null || on.contains(Feature.named(requires.getAsString()));
    }

    /**
     * Removes every node whose feature is off (an operation, a parameter, a {@code oneOf} branch:
     * whatever carries the marker) and the markers of the rest.
     */
    private static void prune(JsonElement node, Set<Feature> on) {
        if (node instanceof JsonObject object) {
            object.remove(REQUIRES);
            for (String key : List.copyOf(object.keySet())) {
                JsonElement child = object.get(key);
                if (child instanceof JsonObject o && !offered(o, on)) object.remove(key);
                else prune(child, on);
            }
        } else if (node instanceof JsonArray array) {
            for (int i = array.size() - 1; i >= 0; i--) {
                JsonElement child = array.get(i);
                if (child instanceof JsonObject o && !offered(o, on)) array.remove(i);
                else prune(child, on);
            }
        }
    }

    /** The path template as a pattern: each {@code {name}} is one non-empty segment. */
    private static Pattern template(String path) {
        StringBuilder regex = new StringBuilder();
        for (String part : path.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    private static JsonObject template() {
        try (InputStream in = ApiContract.class.getResourceAsStream("/openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json is missing from the jar");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("reading openapi.json: " + e.getMessage(), e);
        }
    }

    /** The operation ids declared, for checking a router's handlers against. */
    Set<String> ids() {
        Set<String> ids = new LinkedHashSet<>();
        for (Operation op : operations) ids.add(op.id());
        return ids;
    }

    /** Checks {@code handlers} covers exactly the declared operations. */
    void requireHandlers(Map<String, ?> handlers) {
        if (!handlers.keySet().equals(ids())) {
            Set<String> missing = new TreeSet<>(ids());
            missing.removeAll(handlers.keySet());
            Set<String> undeclared = new TreeSet<>(handlers.keySet());
            undeclared.removeAll(ids());
            throw new IllegalStateException(
                    "the router and openapi.json differ: operations without a handler "
                            + missing
                            + ", handlers of no declared operation "
                            + undeclared);
        }
    }
}
