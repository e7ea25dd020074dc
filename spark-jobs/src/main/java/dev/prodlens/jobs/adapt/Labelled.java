package dev.prodlens.jobs.adapt;

import static org.apache.spark.sql.functions.col;

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
     * Groups of two or more items in each part of {@code split}: the ones that give queries (a
     * single item has nothing to match) and matching pairs.
     */
    public Map<GroupSplit.Part, Long> groupsPerPart(GroupSplit split) {
        Map<GroupSplit.Part, Long> counts = new EnumMap<>(GroupSplit.Part.class);
        for (GroupSplit.Part p : GroupSplit.Part.values()) counts.put(p, 0L);
        rows.groupBy("group")
                .count()
                .filter(col("count").geq(2))
                .select("group")
                .javaRDD()
                .map(r -> split.of(r.getString(0)))
                .countByValue()
                .forEach((part, n) -> counts.put(part, n));
        return counts;
    }

    /**
     * The rows of the train part's groups whose {@link GroupSplit#rank} keeps about {@code
     * maxItems} items (all of them when the part is no larger), for the moments.
     */
    public Dataset<Row> trainSample(GroupSplit split, int maxItems) {
        Dataset<Row> train =
                rows.filter(
                        (org.apache.spark.api.java.function.FilterFunction<Row>)
                                r -> split.of(r.getString(0)) == GroupSplit.Part.TRAIN);
        long n = train.count();
        if (n <= maxItems) return train;
        double fraction = maxItems / (double) n;
        return train.filter(
                (org.apache.spark.api.java.function.FilterFunction<Row>)
                        r -> split.rank(r.getString(0)) < fraction);
    }

    /**
     * The items of one part, whole groups, at most about {@code maxItems} of them (the groups whose
     * {@link GroupSplit#rank} is lowest: the same sample on every run), collected on the driver.
     */
    public Sample sample(GroupSplit split, GroupSplit.Part part, int maxItems, int dim) {
        Dataset<Row> inPart =
                rows.filter(
                        (org.apache.spark.api.java.function.FilterFunction<Row>)
                                r -> split.of(r.getString(0)) == part);
        long n = inPart.count();
        double fraction = n <= maxItems ? 1.0 : maxItems / (double) n;
        List<Row> collected =
                fraction >= 1
                        ? inPart.collectAsList()
                        : inPart.filter(
                                        (org.apache.spark.api.java.function.FilterFunction<Row>)
                                                r -> split.rank(r.getString(0)) < fraction)
                                .collectAsList();
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
