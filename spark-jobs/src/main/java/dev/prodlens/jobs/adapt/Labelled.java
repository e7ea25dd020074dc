package dev.prodlens.jobs.adapt;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.jobs.evaluate.PairsCsv;
import dev.prodlens.jobs.index.Vectors;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The items the adapt stage learns from and scores on: rows of {@code (group, embedding)}, the
 * group being the catalogue's {@code label_group} or, with {@code adapt.pairs}, the connected
 * component of the matching pairs an item is in. Items without a group are left out.
 *
 * @param rows {@code (group string, embedding array<float>, category string)}
 * @param source where the groups came from, for the manifest: {@code label_group} or {@code
 *     pairs:<file>}
 */
public record Labelled(Dataset<Row> rows, String source) {
    /**
     * A part's items collected on the driver: their groups, categories (null entries allowed) and
     * vectors, row-major.
     */
    public record Sample(String[] groups, String[] categories, float[] vectors, int dim) {
        public int size() {
            return groups.length;
        }

        /** The vector of item {@code i}. */
        public float[] vector(int i) {
            return java.util.Arrays.copyOfRange(vectors, i * dim, (i + 1) * dim);
        }
    }

    /**
     * The labelled rows of {@code items} (columns {@code item_id}, {@code label_group}, {@code
     * embedding}, {@code category}).
     */
    public static Labelled of(
            SparkSession spark, Dataset<Row> items, String pairsFile, Configuration hadoop) {
        if (pairsFile.isEmpty()) {
            return new Labelled(
                    items.filter(
                                    col("label_group")
                                            .isNotNull()
                                            .and(col("label_group").notEqual("")))
                            .select(
                                    col("label_group").as("group"),
                                    col("embedding"),
                                    col("category")),
                    "label_group");
        }
        Map<String, String> component = PairsCsv.groups(PairsCsv.read(pairsFile, hadoop));
        List<Row> rows = new ArrayList<>(component.size());
        component.forEach((id, group) -> rows.add(RowFactory.create(id, group)));
        StructType schema =
                new StructType()
                        .add("item_id", DataTypes.StringType, false)
                        .add("group", DataTypes.StringType, false);
        Dataset<Row> groups = spark.createDataFrame(rows, schema);
        return new Labelled(
                items.join(groups, "item_id").select("group", "embedding", "category"),
                "pairs:" + pairsFile);
    }

    /**
     * How many groups and items each part of a split holds, from one pass over the group column.
     *
     * @param groups groups of two or more items: the ones that give queries (a single item has
     *     nothing to match) and matching pairs
     * @param items every labelled item, singletons included
     */
    public record Census(Map<GroupSplit.Part, Long> groups, Map<GroupSplit.Part, Long> items) {
        /**
         * The share of the part's groups (by {@link GroupSplit#rank}) that keeps about {@code max}
         * of its items; 1 when the part is no larger.
         */
        public double fractionFor(GroupSplit.Part part, int max) {
            long n = items.get(part);
            return n <= max ? 1.0 : max / (double) n;
        }
    }

    /**
     * The {@link Census} of {@code split}: one Spark job that reads only the group column and sums
     * on the executors (a catalogue may hold millions of groups).
     */
    public Census census(GroupSplit split) {
        int parts = GroupSplit.Part.values().length;
        long[] totals =
                rows.groupBy("group")
                        .count()
                        .javaRDD()
                        .aggregate(
                                new long[2 * parts],
                                (acc, r) -> {
                                    int part = split.of(r.getString(0)).ordinal();
                                    long n = r.getLong(1);
                                    acc[2 * part] += n >= 2 ? 1 : 0;
                                    acc[2 * part + 1] += n;
                                    return acc;
                                },
                                (a, b) -> {
                                    for (int i = 0; i < a.length; i++) a[i] += b[i];
                                    return a;
                                });
        Map<GroupSplit.Part, Long> groups = new EnumMap<>(GroupSplit.Part.class);
        Map<GroupSplit.Part, Long> items = new EnumMap<>(GroupSplit.Part.class);
        for (GroupSplit.Part p : GroupSplit.Part.values()) {
            groups.put(p, totals[2 * p.ordinal()]);
            items.put(p, totals[2 * p.ordinal() + 1]);
        }
        return new Census(groups, items);
    }

    /**
     * The rows of {@code part}'s groups whose {@link GroupSplit#rank} is below {@code fraction}
     * (every group of the part when it is 1 or more): whole groups, the same on every run. The test
     * is a column expression over the group name alone, so Spark drops the other parts' rows before
     * it turns a vector into Java objects.
     */
    public Dataset<Row> groupsOf(GroupSplit split, GroupSplit.Part part, double fraction) {
        UserDefinedFunction keep =
                udf(
                        (UDF1<String, Boolean>) group -> split.keeps(group, part, fraction),
                        DataTypes.BooleanType);
        return rows.filter(keep.apply(col("group")));
    }

    /**
     * The items of one part, whole groups, about {@code maxItems} of them ({@link #groupsOf}),
     * collected on the driver.
     */
    public Sample sample(
            GroupSplit split, GroupSplit.Part part, Census census, int maxItems, int dim) {
        List<Row> collected =
                groupsOf(split, part, census.fractionFor(part, maxItems)).collectAsList();
        // a fixed order: Spark returns partitions in any order, the scores must not depend on it
        List<Row> sorted = new ArrayList<>(collected);
        sorted.sort(
                (a, b) -> {
                    int c = a.getString(0).compareTo(b.getString(0));
                    return c != 0 ? c : compareVectors(a, b);
                });
        String[] groups = new String[sorted.size()];
        String[] categories = new String[sorted.size()];
        float[] vectors = new float[sorted.size() * dim];
        for (int i = 0; i < sorted.size(); i++) {
            groups[i] = sorted.get(i).getString(0);
            categories[i] = sorted.get(i).getString(2);
            Vectors.copy(sorted.get(i), 1, dim, vectors, i * dim);
        }
        return new Sample(groups, categories, vectors, dim);
    }

    private static int compareVectors(Row a, Row b) {
        List<Float> x = a.getList(1);
        List<Float> y = b.getList(1);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = Float.compare(x.get(i), y.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(x.size(), y.size());
    }
}
