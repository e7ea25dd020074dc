package dev.prodlens.jobs.catalogue;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLogException;
import dev.prodlens.core.live.UpdateLogs;
import dev.prodlens.jobs.JobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The update log (issue 17), folded into the catalogue snapshot that reindex reads: the final state
 * of every item the log touched, up to the log's end when reindex began (position {@link
 * #position()} is the last record folded in).
 *
 * <p>In position order: an upsert replaces the item whole (its image reference and fields become
 * the item's row), a metadata change merges into the item's current row (the catalogue's, or an
 * earlier upsert's; an empty value clears the field; a change to an item that exists nowhere is
 * ignored, as the live index ignores it), a delete removes the item. The rows reindex embeds are
 * then the catalogue's rows minus every id the log touched, plus the folded row of each touched
 * item that is not deleted: <b>the log wins</b> for every item it touched (docs/live.md).
 *
 * <p>The driver holds the latest state of each touched item, without vectors: reindex embeds the
 * images itself (those whose content hash the embeddings table holds are not embedded again), so an
 * upsert's vector and model fingerprint are not used.
 */
public final class LogFold {
    /** No log ({@code live.log=off}): the catalogue as it is. */
    public static final LogFold NONE = new LogFold(null);

    /** Where folded rows say they came from ({@code source_file}; {@code source_row}: position). */
    public static final String SOURCE = "update-log";

    private static final StructType RAW =
            new StructType()
                    .add("item_id", DataTypes.StringType, true)
                    .add("images", DataTypes.createArrayType(DataTypes.StringType, true), true)
                    .add("title", DataTypes.StringType, true)
                    .add("label_group", DataTypes.StringType, true)
                    .add("category", DataTypes.StringType, true)
                    .add("price", DataTypes.StringType, true)
                    .add("source_file", DataTypes.StringType, true)
                    .add("source_row", DataTypes.LongType, true);

    /** The catalogue columns an upsert's fields fill, by their catalogue-independent names. */
    private static final List<String> FIELDS = List.of("title", "label_group", "category", "price");

    /**
     * What the log leaves of one item: deleted, a whole row (an upsert, and the changes after it),
     * or only changes to merge into the catalogue's row (empty values clear).
     */
    private record State(
            boolean deleted, boolean whole, String image, Map<String, String> fields, long at) {}

    private final String log;
    private final Map<String, State> items = new LinkedHashMap<>();
    private long position = -1;
    private List<Row> folded; // the folded rows, once resolved against the catalogue

    private LogFold(String log) {
        this.log = log;
    }

    /**
     * Reads the log the configuration names ({@link UpdateLogs#readCommitted}: up to its end at
     * this moment, while the service may be appending) and folds it; {@link #NONE} for {@code
     * live.log=off}.
     *
     * @throws JobException when the log cannot be read or a record is not an update: reindex does
     *     not drop changes the service acknowledged
     */
    public static LogFold read(Config config, Path base) {
        if (UpdateLogs.backend(config) == UpdateLogs.Backend.OFF) return NONE;
        LogFold fold = new LogFold(UpdateLogs.describe(config, base).orElseThrow());
        try {
            fold.position =
                    UpdateLogs.readCommitted(
                            config,
                            base,
                            (position, record) -> {
                                if (!UpdateCodec.isFiller(record)) {
                                    fold.apply(position, UpdateCodec.decode(position, record));
                                }
                            });
        } catch (UpdateLogException | java.io.UncheckedIOException e) {
            throw new JobException(
                    "reindex cannot fold update log "
                            + fold.log
                            + ": "
                            + e.getMessage()
                            + " (nothing was published)");
        }
        return fold;
    }

    private static Column[] rawColumns() {
        return Arrays.stream(RAW.fieldNames()).map(functions::col).toArray(Column[]::new);
    }

    /** Folds one update, the next in position order. */
    void apply(long position, Update update) {
        String id = update.itemId();
        State now = items.get(id);
        State next;
        if (update instanceof Update.Upsert u) {
            next = new State(false, true, u.imageRef(), new TreeMap<>(u.fields()), position);
        } else if (update instanceof Update.MetadataChange m) {
            next = changed(now, m, position);
        } else {
            next = new State(true, false, null, Map.of(), position);
        }
        items.remove(id); // keeps the map in order of each item's last change
        items.put(id, next);
        folded = null;
    }

    private static State changed(State now, Update.MetadataChange change, long position) {
        if (now == null) {
            return new State(false, false, null, new TreeMap<>(change.fields()), position);
        }
        if (now.deleted()) return now; // a change to a deleted item changes nothing
        Map<String, String> fields = new TreeMap<>(now.fields());
        change.fields()
                .forEach(
                        (name, value) -> {
                            if (value.isEmpty() && now.whole()) fields.remove(name);
                            else fields.put(name, value); // a patch keeps the clear for the merge
                        });
        return new State(false, now.whole(), now.image(), fields, position);
    }

    /** Whether there is a log at all ({@code live.log} not off). */
    public boolean enabled() {
        return log != null;
    }

    /** The last position folded in; -1 when the log was empty (or off). */
    public long position() {
        return position;
    }

    /** How many items the log touched. */
    public int touched() {
        return items.size();
    }

    /** What the manifest records: the log and {@link #position()}; null when off. */
    public BundleManifest.Live manifestEntry() {
        return log == null ? null : new BundleManifest.Live(log, position);
    }

    /**
     * {@code raw}, rows as {@link CatalogueReader#read} gives them, with the log folded in: the
     * rows of touched ids replaced by their folded row, or gone when deleted.
     */
    public Dataset<Row> apply(SparkSession spark, Dataset<Row> raw) {
        if (items.isEmpty()) return raw;
        List<Row> rows = folded(spark, raw);
        Dataset<Row> touched =
                spark.createDataset(new ArrayList<>(items.keySet()), Encoders.STRING())
                        .toDF("touched_id");
        Dataset<Row> kept =
                raw.join(
                                broadcast(touched),
                                raw.col("item_id").equalTo(touched.col("touched_id")),
                                "left_anti")
                        .select(rawColumns());
        return kept.unionByName(spark.createDataFrame(rows, RAW));
    }

    /** The folded rows, computed once: changes-only items merged into their catalogue row. */
    private List<Row> folded(SparkSession spark, Dataset<Row> raw) {
        if (folded != null) return folded;
        Map<String, Row> bases = bases(spark, raw);
        List<Row> rows = new ArrayList<>();
        items.forEach(
                (id, state) -> {
                    if (state.deleted()) return;
                    // an upsert carries one image; an item the log only changed keeps its row's
                    List<String> images = state.image() == null ? null : List.of(state.image());
                    Map<String, String> fields = state.fields();
                    if (!state.whole()) {
                        Row base = bases.get(id);
                        if (base == null) return; // changes to an item that exists nowhere
                        images = base.getList(base.fieldIndex("images"));
                        fields = new HashMap<>();
                        for (String name : FIELDS) {
                            String value = base.getAs(name);
                            if (value != null) fields.put(name, value);
                        }
                        for (Map.Entry<String, String> e : state.fields().entrySet()) {
                            if (e.getValue().isEmpty()) fields.remove(e.getKey());
                            else fields.put(e.getKey(), e.getValue());
                        }
                    }
                    rows.add(
                            RowFactory.create(
                                    id,
                                    images,
                                    fields.get("title"),
                                    fields.get("label_group"),
                                    fields.get("category"),
                                    fields.get("price"),
                                    SOURCE,
                                    state.at()));
                });
        folded = rows;
        return rows;
    }

    /**
     * The catalogue's row of each item the log only changed: the first of its id in file order, as
     * {@link CatalogueRows} keeps.
     */
    private Map<String, Row> bases(SparkSession spark, Dataset<Row> raw) {
        List<String> changedOnly = new ArrayList<>();
        items.forEach(
                (id, state) -> {
                    if (!state.deleted() && !state.whole()) changedOnly.add(id);
                });
        Map<String, Row> bases = new HashMap<>();
        if (changedOnly.isEmpty()) return bases;
        Dataset<Row> ids = spark.createDataset(changedOnly, Encoders.STRING()).toDF("changed_id");
        Comparator<Row> fileOrder =
                Comparator.comparing((Row r) -> r.<String>getAs("source_file"))
                        .thenComparing(r -> r.<Long>getAs("source_row"));
        for (Row r :
                raw.join(broadcast(ids), col("item_id").equalTo(col("changed_id")))
                        .select(rawColumns())
                        .collectAsList()) {
            bases.merge(r.getAs("item_id"), r, (a, b) -> fileOrder.compare(a, b) <= 0 ? a : b);
        }
        return bases;
    }
}
