package dev.prodlens.core.live;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bytes of an {@link Update} in the update log: {@code [u8 format version][u8 kind]} then the
 * kind's fields, big-endian, text as {@link DataOutputStream#writeUTF} (modified UTF-8 with a u16
 * length), a vector as {@code [u32 dim][dim x f32]}. Fields are written sorted by name, so equal
 * updates have equal bytes on every replica.
 *
 * <p>The bounds below hold on every write (the constructors of {@link Update} check them), so a
 * record a newer prodlens wrote is the only kind a reader cannot take: it is refused by its format
 * version with a one-line {@link UpdateLogException}.
 */
public final class UpdateCodec {
    /** The format this code writes and reads. */
    public static final int VERSION = 1;

    /** Longest item id, in UTF-8 bytes (the catalogue's ids are short; the API answers 400). */
    public static final int MAX_ID_BYTES = 256;

    /** Longest field name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 64;

    /** Longest field value or image reference, in UTF-8 bytes. */
    public static final int MAX_TEXT_BYTES = 8192;

    /** Most fields one update sets. */
    public static final int MAX_FIELDS = 64;

    /** Largest embedding dimension. */
    public static final int MAX_DIM = 65_536;

    /**
     * A record that holds no update: what a local log is padded with when a bundle folded records
     * that a crash then took from the log before they were fsynced, so that the positions the
     * bundle holds are never given to new records. Readers skip it.
     */
    public static final byte[] FILLER = new byte[0];

    /** Whether {@code record} is a {@link #FILLER}. */
    public static boolean isFiller(byte[] record) {
        return record.length == 0;
    }

    /** Names that are not fields: the item's id and its image have their own places. */
    public static final java.util.Set<String> RESERVED_FIELDS = java.util.Set.of("id", "image");

    private static final int UPSERT = 1;
    private static final int METADATA = 2;
    private static final int DELETE = 3;

    private UpdateCodec() {}

    public static byte[] encode(Update update) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            if (update instanceof Update.Upsert u) {
                out.writeByte(UPSERT);
                out.writeUTF(u.itemId());
                writeFields(out, u.fields());
                out.writeUTF(u.imageRef());
                out.writeUTF(u.imageSha256());
                out.writeUTF(u.modelFingerprint());
                float[] vector = u.vector();
                out.writeInt(vector.length);
                for (float v : vector) out.writeFloat(v);
            } else if (update instanceof Update.MetadataChange m) {
                out.writeByte(METADATA);
                out.writeUTF(m.itemId());
                writeFields(out, m.fields());
            } else {
                out.writeByte(DELETE);
                out.writeUTF(((Update.Delete) update).itemId());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * The update {@code record} (at {@code position} of the log, for messages) encodes.
     *
     * @throws UpdateLogException for a record of a newer format, or bytes that are not an update
     */
    public static Update decode(long position, byte[] record) {
        if (isFiller(record)) {
            throw new UpdateLogException(
                    "the record at log position "
                            + position
                            + " is not an update but a filler (UpdateCodec.isFiller): skip it");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new UpdateLogException(
                        "update at log position "
                                + position
                                + " has format "
                                + version
                                + ", this prodlens reads format "
                                + VERSION
                                + "; upgrade prodlens on this replica");
            }
            int kind = in.readUnsignedByte();
            Update update =
                    switch (kind) {
                        case UPSERT ->
                                new Update.Upsert(
                                        in.readUTF(),
                                        readFields(in),
                                        in.readUTF(),
                                        in.readUTF(),
                                        in.readUTF(),
                                        readVector(in));
                        case METADATA -> new Update.MetadataChange(in.readUTF(), readFields(in));
                        case DELETE -> new Update.Delete(in.readUTF());
                        default -> throw new IllegalArgumentException("unknown kind " + kind);
                    };
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the update");
            }
            return update;
        } catch (EOFException e) {
            throw notAnUpdate(position, "cut short");
        } catch (IOException | IllegalArgumentException e) {
            throw notAnUpdate(position, e.getMessage());
        }
    }

    private static UpdateLogException notAnUpdate(long position, String why) {
        return new UpdateLogException(
                "the record at log position "
                        + position
                        + " is not an update ("
                        + why
                        + "): was something else written to this log or topic?");
    }

    private static void writeFields(DataOutputStream out, SortedMap<String, String> fields)
            throws IOException {
        out.writeShort(fields.size());
        for (Map.Entry<String, String> e : fields.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    private static SortedMap<String, String> readFields(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        SortedMap<String, String> fields = new TreeMap<>();
        for (int i = 0; i < n; i++) fields.put(in.readUTF(), in.readUTF());
        return fields;
    }

    private static float[] readVector(DataInputStream in) throws IOException {
        int dim = in.readInt();
        if (dim < 1 || dim > MAX_DIM || dim > in.available() / Float.BYTES) {
            throw new IllegalArgumentException("a vector of dimension " + dim);
        }
        float[] vector = new float[dim];
        for (int i = 0; i < dim; i++) vector[i] = in.readFloat();
        return vector;
    }

    // ---- the bounds, checked when an Update is made

    public static void checkId(String id) {
        checkText("item id", id, MAX_ID_BYTES);
        if (id.isBlank()) throw new IllegalArgumentException("item id is empty");
    }

    static void checkText(String what, String text, int maxBytes) {
        if (text == null) throw new IllegalArgumentException(what + " missing");
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(
                    what + " is " + bytes + " bytes of UTF-8, over the " + maxBytes + " allowed");
        }
    }

    static SortedMap<String, String> checkFields(SortedMap<String, String> fields) {
        if (fields == null) throw new IllegalArgumentException("fields missing");
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException(
                    fields.size() + " fields, over the " + MAX_FIELDS + " allowed");
        }
        for (Map.Entry<String, String> e : fields.entrySet()) {
            checkText("field name", e.getKey(), MAX_NAME_BYTES);
            if (e.getKey().isBlank()) throw new IllegalArgumentException("a field name is empty");
            if (RESERVED_FIELDS.contains(e.getKey())) {
                throw new IllegalArgumentException(
                        "'"
                                + e.getKey()
                                + "' is not a field: an item's id and image are given apart from"
                                + " its fields");
            }
            checkText("field " + e.getKey(), e.getValue(), MAX_TEXT_BYTES);
        }
        return Collections.unmodifiableSortedMap(new TreeMap<>(fields));
    }

    static void checkVector(float[] vector) {
        if (vector == null || vector.length == 0 || vector.length > MAX_DIM) {
            throw new IllegalArgumentException("vector must have 1 to " + MAX_DIM + " dimensions");
        }
        for (float v : vector) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException("vector holds " + v);
        }
    }
}
