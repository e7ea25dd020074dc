package dev.prodlens.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.api.http.ApiContract.Feature;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The contract as each service configuration renders it, and its checks on a router. */
class ApiContractTest {
    private static final ApiContract.Limits LIMITS = new ApiContract.Limits(10, 1000, 16, 256);

    private static JsonObject paths(ApiContract contract) {
        return JsonParser.parseString(contract.json()).getAsJsonObject().getAsJsonObject("paths");
    }

    private static boolean hasParameter(JsonObject operation, String name) {
        JsonArray parameters = operation.getAsJsonArray("parameters");
        if (parameters == null) return false;
        for (JsonElement p : parameters) {
            JsonObject o = p.getAsJsonObject();
            if (o.has("name") && o.get("name").getAsString().equals(name)) return true;
        }
        return false;
    }

    @Test
    void everyFeatureOnOffersEveryOperationAndNoMarkerIsServed() {
        ApiContract contract = ApiContract.of(EnumSet.allOf(Feature.class), LIMITS);
        assertTrue(contract.operations().stream().allMatch(ApiContract.Operation::offered));
        JsonObject paths = paths(contract);
        int served = 0;
        for (String path : paths.keySet()) served += paths.getAsJsonObject(path).size();
        assertEquals(contract.operations().size(), served);
        assertTrue(
                hasParameter(paths.getAsJsonObject("/v1/search").getAsJsonObject("post"), "url"));
        assertFalse(contract.json().contains("x-prodlens"), "the markers are not served");
        assertEquals(contract.operations().size(), contract.ids().size(), "operationIds unique");
    }

    @Test
    void featuresOffLeaveTheirOperationsAndParametersOut() {
        ApiContract contract = ApiContract.of(Set.of(), new ApiContract.Limits(5, 50, 7, 9));
        JsonObject paths = paths(contract);
        JsonObject item = paths.getAsJsonObject("/v1/items/{id}");
        assertNotNull(item.get("get"));
        for (String method : List.of("put", "patch", "delete"))
            assertNull(item.get(method), method + " without writes");
        assertNull(paths.get("/v1/items/batch"), "a path with no operation left is left out");
        assertNull(paths.get("/admin/reload"));
        assertFalse(
                hasParameter(paths.getAsJsonObject("/v1/search").getAsJsonObject("post"), "url"));
        // declared all the same: the router keeps their handlers, which say how to turn them on
        assertEquals(
                Set.of("putItem", "changeItem", "deleteItem", "writeItems", "reload"),
                contract.operations().stream()
                        .filter(o -> !o.offered())
                        .map(ApiContract.Operation::id)
                        .collect(java.util.stream.Collectors.toSet()));

        JsonObject k =
                JsonParser.parseString(contract.json())
                        .getAsJsonObject()
                        .getAsJsonObject("components")
                        .getAsJsonObject("parameters")
                        .getAsJsonObject("K")
                        .getAsJsonObject("schema");
        assertEquals(50, k.get("maximum").getAsInt(), "api.max-k");
        assertEquals(5, k.get("default").getAsInt(), "api.default-k");
        JsonObject schemas =
                JsonParser.parseString(contract.json())
                        .getAsJsonObject()
                        .getAsJsonObject("components")
                        .getAsJsonObject("schemas");
        assertEquals(
                7,
                schemas.getAsJsonObject("SearchImages")
                        .getAsJsonObject("properties")
                        .getAsJsonObject("image")
                        .get("maxItems")
                        .getAsInt(),
                "api.batch.max-images");
        assertEquals(
                9,
                schemas.getAsJsonObject("ItemBatch")
                        .getAsJsonObject("properties")
                        .getAsJsonObject("items")
                        .get("maxItems")
                        .getAsInt(),
                "live.batch.max-items");
    }

    @Test
    void thePricePatternIsTheOneTheWritesCheck() {
        JsonObject price =
                JsonParser.parseString(ApiContract.of(Set.of(), LIMITS).json())
                        .getAsJsonObject()
                        .getAsJsonObject("components")
                        .getAsJsonObject("schemas")
                        .getAsJsonObject("ItemFields")
                        .getAsJsonObject("properties")
                        .getAsJsonObject("price");
        String pattern =
                price.getAsJsonArray("oneOf").get(1).getAsJsonObject().get("pattern").getAsString();
        assertEquals(
                "^\\s*(" + dev.prodlens.api.live.ItemWrites.PRICE.pattern() + ")\\s*$|^\\s*$",
                pattern,
                "openapi.json's price pattern: the writes' own, stripped, or empty");
        for (String ok : List.of("0", "3.25", ".5", "12.", "1e3", "9.5E-2"))
            assertTrue(dev.prodlens.api.live.ItemWrites.PRICE.matcher(ok).matches(), ok);
        for (String bad : List.of("1d", "0x1p3", "NaN", "-1", "1e999", "Infinity", "1,5"))
            assertFalse(dev.prodlens.api.live.ItemWrites.PRICE.matcher(bad).matches(), bad);
    }

    @Test
    void allowListsTheOfferedMethodsOfAKnownPath() {
        ApiContract reads = ApiContract.of(Set.of(), LIMITS);
        assertEquals(Set.of("GET", "HEAD"), reads.allowed("/v1/items/abc"));
        assertEquals(Set.of("POST"), reads.allowed("/v1/search"));
        assertEquals(Set.of("GET", "HEAD"), reads.allowed("/v1/items/abc/similar"));
        assertEquals(Set.of(), reads.allowed("/v1/items/abc/other"));
        assertEquals(Set.of(), reads.allowed("/v1/items/"), "a path parameter is never empty");
        assertEquals(Set.of(), reads.allowed("/admin/reload"), "admin is off");
        ApiContract all = ApiContract.of(EnumSet.allOf(Feature.class), LIMITS);
        assertEquals(Set.of("GET", "HEAD", "PUT", "PATCH", "DELETE"), all.allowed("/v1/items/abc"));
        assertEquals(Set.of("POST"), all.allowed("/admin/reload"));

        // what the server asks of every request: empty unless a declared path has other methods
        assertEquals(Set.of("POST"), reads.methodNotAllowed("GET", "/v1/search"));
        assertEquals(Set.of(), reads.methodNotAllowed("POST", "/v1/search"));
        assertEquals(Set.of(), reads.methodNotAllowed("HEAD", "/v1/items/abc"));
        assertEquals(Set.of(), reads.methodNotAllowed("TRACE", "/v1/nowhere"));
        assertEquals(
                Set.of(),
                reads.methodNotAllowed("PUT", "/v1/items/abc"),
                "declared though off: its handler says how to turn it on");
        assertEquals(
                Set.of("POST"),
                all.methodNotAllowed("GET", "/v1/items/batch"),
                "the concrete path, not /v1/items/{id}");
    }

    @Test
    void aRouterMustHandleExactlyTheDeclaredOperations() {
        ApiContract contract = ApiContract.of(Set.of(), LIMITS);
        Map<String, Object> handlers = new HashMap<>();
        for (String id : contract.ids()) handlers.put(id, new Object());
        contract.requireHandlers(handlers);

        handlers.remove("info");
        handlers.put("undeclared", new Object());
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> contract.requireHandlers(handlers));
        assertTrue(
                e.getMessage().contains("[info]") && e.getMessage().contains("[undeclared]"),
                e.getMessage());
    }
}
