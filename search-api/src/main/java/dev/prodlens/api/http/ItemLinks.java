package dev.prodlens.api.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonSerializer;
import dev.prodlens.api.search.SearchHit;
import dev.prodlens.api.search.SearchService;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The routes an answer links a catalogue item to. The search layer returns items as domain values
 * (no URLs: it knows no routes); their JSON here gets each item's {@code image_url}, the route of
 * {@code GET /v1/items/{id}/image} ({@link ItemImages}).
 */
final class ItemLinks {
    private ItemLinks() {}

    /** The URL path of an item's image, its id percent-encoded as one path segment. */
    static String image(String itemId) {
        return "/v1/items/"
                + URLEncoder.encode(itemId, StandardCharsets.UTF_8).replace("+", "%20")
                + "/image";
    }

    /**
     * {@code builder} with the JSON of search hits and items extended by their {@code image_url};
     * everything else as {@code builder} writes it.
     */
    static GsonBuilder addTo(GsonBuilder builder) {
        Gson plain = builder.create();
        return builder.registerTypeAdapter(SearchHit.class, withImage(plain, SearchHit::id))
                .registerTypeAdapter(
                        SearchService.Item.class, withImage(plain, SearchService.Item::id));
    }

    private static <T> JsonSerializer<T> withImage(Gson plain, Function<T, String> id) {
        return (value, type, context) -> {
            JsonObject json = plain.toJsonTree(value).getAsJsonObject();
            json.addProperty("image_url", image(id.apply(value)));
            return json;
        };
    }
}
