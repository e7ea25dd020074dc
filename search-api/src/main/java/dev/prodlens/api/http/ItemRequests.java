package dev.prodlens.api.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.prodlens.api.live.ItemWrites;
import dev.prodlens.api.live.ItemWrites.ItemWrite;
import dev.prodlens.api.search.SearchFailure;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The item writes of a request: the fields of {@code PUT /v1/items/{id}} (multipart text fields, or
 * query parameters beside a raw image body), the JSON object of {@code PATCH}, and the JSON items
 * of {@code POST /v1/items/batch}. Only the form is checked here; what the fields may hold is
 * {@code ItemWrites}'s to say.
 */
final class ItemRequests {
    /** Query parameters of a PUT that are not fields. */
    private static final Set<String> NOT_FIELDS = Set.of("url");

    /** The keys an item of a batch may have, by op. */
    private static final Map<String, Set<String>> BATCH_KEYS =
            Map.of(
                    "upsert", Set.of("id", "op", "fields", "image_base64", "image_url"),
                    "change", Set.of("id", "op", "fields"),
                    "delete", Set.of("id", "op"));

    private ItemRequests() {}

    /**
     * A PUT's fields: query parameters (not {@code url}) and multipart text fields; a field given
     * in both takes the form's value, as the contract says (the two are separate places to a
     * client, and neither is wrong alone).
     */
    static Map<String, String> fields(Context ctx) {
        Map<String, String> fields = new LinkedHashMap<>();
        ctx.queryParamMap()
                .forEach(
                        (name, values) -> {
                            if (!NOT_FIELDS.contains(name)) put(fields, name, values);
                        });
        if (ctx.isMultipartFormData()) {
            Map<String, String> form = new LinkedHashMap<>();
            // Jetty lists the file part too (under its field name): that is the image, not a field
            ctx.formParamMap()
                    .forEach(
                            (name, values) -> {
                                if (!name.equals(RequestImages.FIELD)) put(form, name, values);
                            });
            if (!form.isEmpty()) {
                // a query field the form overrides is checked all the same: a bad value is an
                // error wherever it was sent
                ItemWrites.checkedFields(ItemWrite.upsert(ctx.pathParam("id"), null, fields));
            }
            fields.putAll(form);
        }
        return fields;
    }

    private static void put(Map<String, String> fields, String name, List<String> values) {
        if (values.size() != 1) {
            throw ApiException.badRequest(
                    "field '" + name + "' is given more than once; send it once");
        }
        fields.put(name, values.get(0));
    }

    /** A PATCH body: a JSON object of fields, each a string, a number, or null (clears it). */
    static Map<String, String> jsonFields(String body) {
        return fieldsOf(object(parse(body), "the body"), "the body");
    }

    /**
     * A batch body: {@code {"items": [{"id", "op": "upsert"|"change"|"delete", "fields": {...},
     * "image_base64" | "image_url"}, ...]}}.
     */
    static List<ItemWrite> batch(String body, int maxItems, RequestImages images) {
        JsonObject root = object(parse(body), "the body");
        JsonElement items = root.get("items");
        if (!(items instanceof JsonArray array) || root.size() != 1) {
            throw ApiException.badRequest(
                    "send {\"items\": [{\"id\": ..., \"op\": \"upsert\", ...}, ...]} and nothing else");
        }
        if (array.size() > maxItems) {
            throw new ApiException(
                    413,
                    "too_many_items",
                    array.size()
                            + " items in one batch; at most "
                            + maxItems
                            + " (live.batch.max-items): split the feed");
        }
        if (array.isEmpty()) throw ApiException.badRequest("the batch has no items");
        List<ItemWrite> writes = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            writes.add(write(object(array.get(i), "items[" + i + "]"), "items[" + i + "]", images));
        }
        return writes;
    }

    /**
     * One item of a batch, in one of the contract's shapes (openapi.json's ItemBatch): an upsert
     * with exactly one image, a change naming a field, a delete; keys of another shape and bad
     * fields fail the whole request, as they fail its schema. What only the write can tell (an
     * image that does not decode, an unknown item) fails that item alone, in its result.
     */
    private static ItemWrite write(JsonObject item, String where, RequestImages images) {
        String op = item.has("op") ? text(item.get("op"), where + ".op") : "upsert";
        Set<String> keys = BATCH_KEYS.get(op);
        if (keys == null) {
            throw ApiException.badRequest(
                    where + ".op must be upsert, change or delete, not '" + op + "'");
        }
        for (String key : item.keySet()) {
            if (!keys.contains(key)) {
                throw ApiException.badRequest(
                        where + ": unknown key '" + key + "' for op " + op + "; it has " + keys);
            }
        }
        String id = text(item.get("id"), where + ".id");
        Map<String, String> fields =
                item.has("fields")
                        ? fieldsOf(object(item.get("fields"), where + ".fields"), where + ".fields")
                        : Map.of();
        ItemWrite write =
                switch (op) {
                    case "upsert" -> ItemWrite.upsert(id, image(item, where, images), fields);
                    case "change" -> {
                        if (fields.isEmpty())
                            throw ApiException.badRequest(
                                    where + ": a change names at least one field in 'fields'");
                        yield ItemWrite.change(id, fields);
                    }
                    default -> ItemWrite.delete(id);
                };
        try {
            ItemWrites.checkedFields(write);
        } catch (SearchFailure e) {
            throw ApiException.badRequest(where + ": " + e.getMessage());
        }
        return write;
    }

    private static byte[] image(JsonObject item, String where, RequestImages images) {
        if (item.has("image_base64") == item.has("image_url")) {
            throw ApiException.badRequest(
                    where
                            + ": an upsert needs its image as image_base64 or image_url (one of them)");
        }
        if (item.has("image_url"))
            return images.fetch(text(item.get("image_url"), where + ".image_url"));
        try {
            return Base64.getDecoder()
                    .decode(text(item.get("image_base64"), where + ".image_base64"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(where + ".image_base64 is not base64");
        }
    }

    private static Map<String, String> fieldsOf(JsonObject object, String where) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> field : object.entrySet()) {
            JsonElement value = field.getValue();
            if (value.isJsonNull()) {
                fields.put(field.getKey(), "");
            } else if (value instanceof JsonPrimitive p && p.isString()) {
                fields.put(field.getKey(), p.getAsString());
            } else if (value instanceof JsonPrimitive p && p.isNumber()) {
                fields.put(field.getKey(), plain(p.getAsString()));
            } else {
                throw ApiException.badRequest(
                        where + "." + field.getKey() + " must be a string, a number or null");
            }
        }
        return fields;
    }

    /**
     * Digits a JSON number's plain text may have after the point: any double's (the smallest,
     * 4.9e-324, written with 17 significant digits, needs 340).
     */
    private static final int PLAIN_FRACTION_DIGITS = 400;

    /** Digits it may have before the point (a price has at most 15). */
    private static final int PLAIN_INTEGER_DIGITS = 64;

    /**
     * A JSON number's plain decimal text, as a form would send it (1e3 is 1000; 1.5e-7 keeps its
     * digits after the point), so a JSON price passes the price pattern within range. A number
     * whose plain text would be longer keeps its own text, which the price pattern refuses: the
     * plain text of 1e200000000 is 200 MB.
     */
    private static String plain(String number) {
        try {
            BigDecimal d = new BigDecimal(number);
            if (d.scale() <= PLAIN_FRACTION_DIGITS
                    && d.precision() - (long) d.scale() <= PLAIN_INTEGER_DIGITS)
                return d.toPlainString();
        } catch (NumberFormatException e) {
            // an exponent beyond BigDecimal's range: kept as sent
        }
        return number;
    }

    private static JsonElement parse(String body) {
        try {
            return JsonParser.parseString(body);
        } catch (JsonParseException e) {
            throw ApiException.badRequest("the body is not JSON; send a JSON object");
        }
    }

    private static JsonObject object(JsonElement element, String what) {
        if (element instanceof JsonObject o) return o;
        throw ApiException.badRequest(what + " must be a JSON object");
    }

    private static String text(JsonElement element, String what) {
        if (element instanceof JsonPrimitive p && p.isString()) return p.getAsString();
        throw ApiException.badRequest(what + " must be a string");
    }
}
