package dev.prodlens.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.prodlens.api.search.SearchHit;
import dev.prodlens.api.search.SearchResponse;
import dev.prodlens.api.search.SearchService;
import dev.prodlens.api.search.Timing;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The image route of an item is made here, in http, and added to the search layer's values. */
class ItemLinksTest {
    private static final Gson GSON =
            ItemLinks.addTo(
                            new GsonBuilder()
                                    .setFieldNamingPolicy(
                                            FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES))
                    .create();

    @Test
    void anIdIsOnePathSegment() {
        assertEquals("/v1/items/p1/image", ItemLinks.image("p1"));
        assertEquals("/v1/items/a%20b%2Fc%3F%C3%BC/image", ItemLinks.image("a b/c?ü"));
        assertEquals("/v1/items/..%2Fetc/image", ItemLinks.image("../etc"));
    }

    @Test
    void hitsAndItemsCarryTheirImageUrl() {
        SearchHit hit = new SearchHit("p 1", 0.5f, "Mug", "kitchen", null, 2, 3);
        JsonObject answer =
                GSON.toJsonTree(
                                new SearchResponse(
                                        "v", "m", 1, List.of(hit), new Timing(0, 0, 0, 0, 0), 1, 0))
                        .getAsJsonObject();
        JsonObject first = answer.getAsJsonArray("items").get(0).getAsJsonObject();
        assertEquals("/v1/items/p%201/image", first.get("image_url").getAsString());
        assertEquals("/v1/items/p%201/image?index=2", first.get("matched_image_url").getAsString());
        assertEquals(2, first.get("matched_image").getAsInt());
        assertEquals("Mug", first.get("title").getAsString());
        assertFalse(first.has("price"), "nulls stay out, as before: " + first);
        assertEquals(1, answer.get("batch_size").getAsInt());

        JsonObject item =
                GSON.toJsonTree(new SearchService.Item("p2", "Cup", null, 3.0, "g", 2, "v"))
                        .getAsJsonObject();
        assertEquals("/v1/items/p2/image", item.get("image_url").getAsString());
        assertEquals("g", item.get("label_group").getAsString());
        assertEquals(
                List.of("/v1/items/p2/image", "/v1/items/p2/image?index=1"),
                item.getAsJsonArray("image_urls").asList().stream()
                        .map(e -> e.getAsString())
                        .toList());
    }
}
