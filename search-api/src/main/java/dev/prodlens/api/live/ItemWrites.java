package dev.prodlens.api.live;

import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.api.search.SearchFailure;
import dev.prodlens.api.search.SearchService;
import dev.prodlens.core.UserError;
import dev.prodlens.core.image.ImageFormat;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Item writes (issue 17): upserts (image and fields), metadata changes (fields only, no model run)
 * and deletes, one at a time or in a batch. A write is checked whole before anything is recorded
 * (its id, its fields, its image through the same decode and model path as a search); the images of
 * upserts are stored ({@link ImageStore}); then the changes go to the update log in one append (one
 * fsync, or one Kafka acknowledgement), and only then is the write acknowledged, with its log
 * position. It then waits up to {@code live.visible-wait-ms} for the change to be visible in search
 * and says whether it is.
 */
public final class ItemWrites {
    /** The fields an item write may set: the catalogue columns the service keeps. */
    public static final Set<String> FIELDS =
            Set.of(LiveBundle.TITLE, LiveBundle.CATEGORY, LiveBundle.PRICE, LiveBundle.LABEL_GROUP);

    /** What a write does. */
    public enum Operation {
        UPSERT,
        CHANGE,
        DELETE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One write.
     *
     * @param image the image's bytes, for an upsert only
     * @param fields for an upsert the item's fields (absent ones are none); for a change the fields
     *     to set (an empty value clears one)
     */
    public record ItemWrite(
            Operation operation, String id, byte[] image, Map<String, String> fields) {
        public static ItemWrite upsert(String id, byte[] image, Map<String, String> fields) {
            return new ItemWrite(Operation.UPSERT, id, image, fields);
        }

        public static ItemWrite change(String id, Map<String, String> fields) {
            return new ItemWrite(Operation.CHANGE, id, null, fields);
        }

        public static ItemWrite delete(String id) {
            return new ItemWrite(Operation.DELETE, id, null, Map.of());
        }
    }

    /**
     * An acknowledged write: durable at {@code position} of the log; {@code visible} when searches
     * see it already.
     */
    public record Written(String id, String operation, long position, boolean visible) {}

    /** One write of a batch: written, or why not (nothing of it was recorded then). */
    public record Outcome(Written written, SearchFailure failure) {}

    private final SearchService search;
    private final BundleHolder bundles;
    private final LiveUpdates live;
    private final ImageStore images;
    private final ApiMetrics metrics;
    private final Duration visibleWait;
    private final int maxBatch;

    public ItemWrites(
            SearchService search,
            LiveUpdates live,
            ImageStore images,
            ApiMetrics metrics,
            Duration visibleWait,
            int maxBatch) {
        this.search = search;
        this.bundles = search.bundles();
        this.live = live;
        this.images = images;
        this.metrics = metrics;
        this.visibleWait = visibleWait;
        this.maxBatch = maxBatch;
    }

    /** Most writes in one batch ({@code live.batch.max-items}). */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * One write.
     *
     * @throws SearchFailure why it was not recorded
     */
    public Written write(ItemWrite write) {
        Outcome outcome = writeAll(List.of(write)).get(0);
        if (outcome.failure() != null) throw outcome.failure();
        return outcome.written();
    }

    /**
     * The writes, in order, each recorded or refused on its own; the recorded ones share one append
     * to the log.
     *
     * @throws SearchFailure when no write could be recorded for the service's state (load,
     *     shutdown, the log unreachable): none of them was acknowledged
     */
    public List<Outcome> writeAll(List<ItemWrite> writes) {
        if (writes.size() > maxBatch) {
            throw SearchFailure.invalidItem(
                    writes.size()
                            + " items in one batch; at most "
                            + maxBatch
                            + " (live.batch.max-items): split the feed");
        }
        List<Update> updates = new ArrayList<>(writes.size());
        List<SearchFailure> failures = new ArrayList<>(writes.size());
        for (ItemWrite write : writes) {
            try {
                updates.add(checked(write));
                failures.add(null);
            } catch (SearchFailure e) {
                updates.add(null);
                failures.add(e);
            }
        }
        embedUpserts(writes, updates, failures);
        List<byte[]> records = new ArrayList<>();
        for (Update update : updates) {
            if (update != null) records.add(UpdateCodec.encode(update));
        }
        List<Long> positions = append(records);
        long last = positions.isEmpty() ? -1 : positions.get(positions.size() - 1);
        boolean visible = last < 0 || live.awaitApplied(last, visibleWait);
        List<Outcome> outcomes = new ArrayList<>(writes.size());
        int next = 0;
        for (int i = 0; i < writes.size(); i++) {
            if (failures.get(i) != null) {
                outcomes.add(new Outcome(null, failures.get(i)));
                metrics.write(writes.get(i).operation().label(), "refused");
            } else {
                String operation = writes.get(i).operation().label();
                outcomes.add(
                        new Outcome(
                                new Written(
                                        writes.get(i).id(),
                                        operation,
                                        positions.get(next++),
                                        visible),
                                null));
                metrics.write(operation, "written");
            }
        }
        return outcomes;
    }

    private List<Long> append(List<byte[]> records) {
        if (records.isEmpty()) return List.of();
        try {
            return live.log().appendAll(records);
        } catch (UserError | UncheckedIOException | IllegalStateException e) {
            throw SearchFailure.logUnavailable(e.getMessage());
        }
    }

    /**
     * The write as an update, once its id and fields are checked; an upsert's vector and image come
     * later ({@link #embedUpserts}), so it is returned as a placeholder change.
     */
    private Update checked(ItemWrite write) {
        String id = write.id();
        try {
            UpdateCodec.checkId(id);
        } catch (IllegalArgumentException e) {
            throw SearchFailure.invalidItem("item id: " + e.getMessage());
        }
        Map<String, String> fields = checkedFields(write);
        return switch (write.operation()) {
            case DELETE -> new Update.Delete(id);
            case CHANGE -> {
                if (fields.isEmpty()) {
                    throw SearchFailure.invalidItem(
                            "a metadata change of item '"
                                    + id
                                    + "' names no field; send one of "
                                    + FIELDS);
                }
                LiveBundle current = bundles.peek();
                if (current == null || !current.index().contains(id)) {
                    throw SearchFailure.unknownItem(id);
                }
                yield new Update.MetadataChange(id, fields);
            }
            case UPSERT -> {
                if (write.image() == null || write.image().length == 0) {
                    throw SearchFailure.invalidItem(
                            "an upsert of item '"
                                    + id
                                    + "' needs its image; send it with the fields");
                }
                yield null; // made once the image is embedded
            }
        };
    }

    /**
     * The write's fields as recorded (names known, sizes within the log's, a price a number of 0 or
     * more), for the write's checks and for a batch's form checks ({@code ItemRequests}).
     *
     * @throws SearchFailure invalid_item, naming the field
     */
    public static Map<String, String> checkedFields(ItemWrite write) {
        Map<String, String> fields = new TreeMap<>();
        for (Map.Entry<String, String> field : write.fields().entrySet()) {
            String name = field.getKey();
            String value = field.getValue() == null ? "" : field.getValue().strip();
            if (!FIELDS.contains(name)) {
                throw SearchFailure.invalidItem(
                        "unknown field '"
                                + name
                                + "' of item '"
                                + write.id()
                                + "'; the fields are "
                                + new TreeMap<>(Map.of("fields", FIELDS)).get("fields"));
            }
            if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    > UpdateCodec.MAX_TEXT_BYTES) {
                throw SearchFailure.invalidItem(
                        "field '" + name + "' is over " + UpdateCodec.MAX_TEXT_BYTES + " bytes");
            }
            if (name.equals(LiveBundle.PRICE) && !value.isEmpty()) checkPrice(write.id(), value);
            if (write.operation() == Operation.UPSERT && value.isEmpty()) continue;
            fields.put(name, value);
        }
        return fields;
    }

    /**
     * A price as the API contract states it (openapi.json's price pattern): decimal digits, an
     * optional fraction and exponent, nothing Java alone would also parse ("1d", "0x1p3", "NaN").
     * At most 15 digits before the point and 2 in the exponent keep every such number finite.
     */
    public static final Pattern PRICE =
            Pattern.compile("([0-9]{1,15}(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,2})?");

    private static void checkPrice(String id, String value) {
        if (PRICE.matcher(value).matches()) return;
        throw SearchFailure.invalidItem(
                "price of item '" + id + "' must be a number of 0 or more, not '" + value + "'");
    }

    /** Embeds the upserts' images together and makes their updates (or their failures). */
    private void embedUpserts(
            List<ItemWrite> writes, List<Update> updates, List<SearchFailure> failures) {
        List<Integer> upserts = new ArrayList<>();
        List<byte[]> imageBytes = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            if (failures.get(i) == null && writes.get(i).operation() == Operation.UPSERT) {
                upserts.add(i);
                imageBytes.add(writes.get(i).image());
            }
        }
        if (upserts.isEmpty()) return;
        List<SearchService.Embedded> embedded = search.embed(imageBytes);
        for (int j = 0; j < upserts.size(); j++) {
            int i = upserts.get(j);
            SearchService.Embedded result = embedded.get(j);
            if (result.failure() != null) {
                failures.set(i, result.failure());
                continue;
            }
            ItemWrite write = writes.get(i);
            byte[] image = write.image();
            String sha = ImageStore.sha256(image);
            ImageFormat format =
                    ImageFormat.sniff(Arrays.copyOf(image, Math.min(image.length, 32)))
                            .orElseThrow(); // decoded above, so its format is known
            String reference;
            try {
                reference = images.store(image, sha, format);
            } catch (UncheckedIOException e) {
                throw SearchFailure.logUnavailable(e.getMessage());
            }
            updates.set(
                    i,
                    new Update.Upsert(
                            write.id(),
                            checkedFields(write),
                            reference,
                            sha,
                            search.modelFingerprint(),
                            result.vector()));
        }
    }
}
