package dev.prodlens.api.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonSerializer;
import dev.prodlens.api.search.SearchHit;
import dev.prodlens.api.search.SearchService;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The routes an answer links a catalogue item to. The search layer returns items as domain values
 * (no URLs: it knows no routes); their JSON here gets each item's {@code image_url}, the route of
 * {@code GET /v1/items/{id}/image} ({@link ItemImages}) for its main image; a search hit also its
 * {@code matched_image_url} (the image that matched), an item every image's ({@code image_urls}).
 */
final class ItemLinks {
    private ItemLinks() {}

    /** The URL path of an item's image, its id percent-encoded as one path segment. */
    static String image(String itemId) {
        return "/v1/items/"
                + URLEncoder.encode(itemId, StandardCharsets.UTF_8).replace("+", "%20")
                + "/image";
    }

    /** The URL path of an item's image {@code index} (0: its main image, {@link #image}). */
    static String image(String itemId, int index) {
        return index == 0 ? image(itemId) : image(itemId) + "?index=" + index;
    }

    /**
     * {@code builder} with the JSON of search hits and items extended by the routes of their
     * images; everything else as {@code builder} writes it.
     */
    static GsonBuilder addTo(GsonBuilder builder) {
        Gson plain = builder.create();
        return builder.registerTypeAdapter(
                        SearchHit.class,
                        withImages(
                                plain,
                                (hit, json) ->
                                        json.addProperty(
                                                "matched_image_url",
                                                image(hit.id(), hit.matchedImage())),
                                SearchHit::id))
                .registerTypeAdapter(
                        SearchService.Item.class,
                        withImages(
                                plain,
                                (item, json) -> {
                                    JsonArray all = new JsonArray();
                                    for (int i = 0; i < item.images(); i++)
                                        all.add(image(item.id(), i));
                                    json.add("image_urls", all);
                                },
                                SearchService.Item::id));
    }

    private static <T> JsonSerializer<T> withImages(
            Gson plain, BiConsumer<T, JsonObject> more, Function<T, String> id) {
        return (value, type, context) -> {
            JsonObject json = plain.toJsonTree(value).getAsJsonObject();
            json.addProperty("image_url", image(id.apply(value)));
            more.accept(value, json);
            return json;
        };
    }
}
