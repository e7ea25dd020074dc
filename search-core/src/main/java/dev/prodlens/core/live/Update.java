package dev.prodlens.core.live;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One change to the catalogue, as the update log carries it (its bytes: {@link UpdateCodec}).
 *
 * <p>An {@link Upsert} carries the item's embedding, so every replica applies the same vector
 * without running the model again, and the image's reference and SHA-256, so {@code reindex} can
 * fold the change into the next bundle and embed only images it has not embedded. A {@link
 * MetadataChange} changes fields and keeps the vector; a {@link Delete} removes the item.
 */
public sealed interface Update permits Update.Upsert, Update.MetadataChange, Update.Delete {

    /** The catalogue item this change is about. */
    String itemId();

    /**
     * Adds the item, or replaces it whole (fields and vector).
     *
     * @param fields the catalogue's columns other than id and image (title, category, price,
     *     label_group, ...), as text; sorted by name, so an update has one encoding
     * @param imageRef where the image lies (a path under the live image store, or a URI)
     * @param imageSha256 the image bytes' SHA-256, 64 lower-case hex digits
     * @param modelFingerprint the fingerprint of the model that made {@code vector}: a replica or a
     *     reindex running another model refuses the update instead of mixing vector spaces
     * @param vector the item's embedding
     */
    record Upsert(
            String itemId,
            SortedMap<String, String> fields,
            String imageRef,
            String imageSha256,
            String modelFingerprint,
            float[] vector)
            implements Update {
        public Upsert {
            UpdateCodec.checkId(itemId);
            fields = UpdateCodec.checkFields(fields);
            UpdateCodec.checkText("image reference", imageRef, UpdateCodec.MAX_TEXT_BYTES);
            if (imageSha256 == null || !imageSha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(
                        "image SHA-256 must be 64 lower-case hex digits, got " + imageSha256);
            }
            UpdateCodec.checkText("model fingerprint", modelFingerprint, UpdateCodec.MAX_ID_BYTES);
            UpdateCodec.checkVector(vector);
            vector = vector.clone();
        }

        public Upsert(
                String itemId,
                Map<String, String> fields,
                String imageRef,
                String imageSha256,
                String modelFingerprint,
                float[] vector) {
            this(itemId, new TreeMap<>(fields), imageRef, imageSha256, modelFingerprint, vector);
        }

        @Override
        public float[] vector() {
            return vector.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Upsert u
                    && itemId.equals(u.itemId)
                    && fields.equals(u.fields)
                    && imageRef.equals(u.imageRef)
                    && imageSha256.equals(u.imageSha256)
                    && modelFingerprint.equals(u.modelFingerprint)
                    && Arrays.equals(vector, u.vector);
        }

        @Override
        public int hashCode() {
            return Objects.hash(itemId, fields, imageRef, imageSha256, modelFingerprint)
                    + 31 * Arrays.hashCode(vector);
        }

        @Override
        public String toString() {
            return "Upsert["
                    + itemId
                    + ", "
                    + fields
                    + ", "
                    + imageRef
                    + ", d="
                    + vector.length
                    + "]";
        }
    }

    /**
     * Changes some fields of an item and keeps its image and vector (a new price, sold out).
     *
     * @param fields the fields to set, sorted by name; an empty value clears the field
     */
    record MetadataChange(String itemId, SortedMap<String, String> fields) implements Update {
        public MetadataChange {
            UpdateCodec.checkId(itemId);
            fields = UpdateCodec.checkFields(fields);
            if (fields.isEmpty()) {
                throw new IllegalArgumentException(
                        "a metadata change of item '" + itemId + "' names no field");
            }
        }

        public MetadataChange(String itemId, Map<String, String> fields) {
            this(itemId, new TreeMap<>(fields));
        }
    }

    /** Removes the item: from search, more-like-this, item lookups and image serving. */
    record Delete(String itemId) implements Update {
        public Delete {
            UpdateCodec.checkId(itemId);
        }
    }
}
