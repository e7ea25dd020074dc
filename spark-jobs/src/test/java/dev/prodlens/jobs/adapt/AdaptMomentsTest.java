package dev.prodlens.jobs.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.jobs.TestSpark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The moments aggregated over Spark partitions are the moments of the train split computed in one
 * place: the same vectors, the same pairs, nothing from validation or test groups.
 */
class AdaptMomentsTest {
    private static final int D = 8;

    @Test
    void sparkAggregatesExactlyTheTrainSplitsMoments() {
        SplittableRandom random = new SplittableRandom(4);
        List<Row> rows = new ArrayList<>();
        Map<String, List<float[]>> byGroup = new LinkedHashMap<>();
        for (int g = 0; g < 120; g++) {
            int size = 1 + random.nextInt(4);
            for (int k = 0; k < size; k++) {
                float[] v = new float[D];
                List<Float> boxed = new ArrayList<>();
                for (int j = 0; j < D; j++) {
                    v[j] = (float) random.nextGaussian();
                    boxed.add(v[j]);
                }
                rows.add(RowFactory.create("g" + g, boxed));
                byGroup.computeIfAbsent("g" + g, x -> new ArrayList<>()).add(v);
            }
        }
        rows.add(RowFactory.create(null, List.of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f))); // no group
        GroupSplit split = GroupSplit.DEFAULT;
        Scatter all = new Scatter(D);
        Scatter pairs = new Scatter(D);
        Set<String> trainGroups = new HashSet<>();
        byGroup.forEach(
                (group, members) -> {
                    if (split.of(group) != GroupSplit.Part.TRAIN) return;
                    trainGroups.add(group);
                    members.forEach(all::add);
                    AdaptMoments.addPairs(pairs, members, 100);
                });

        SparkSession spark = TestSpark.local("adapt-moments");
        StructType schema =
                new StructType()
                        .add("label_group", DataTypes.StringType, true)
                        .add("embedding", DataTypes.createArrayType(DataTypes.FloatType), true);
        Dataset<Row> table = spark.createDataFrame(rows, schema).repartition(4);
        AdaptMoments.Moments m = AdaptMoments.of(table, split, D, 100);

        assertEquals(trainGroups.size(), m.groups());
        assertEquals(all.count(), m.all().count());
        assertEquals(pairs.count(), m.pairs().count());
        assertClose(all.covariance(true), m.all().covariance(true));
        assertClose(pairs.covariance(false), m.pairs().covariance(false));
    }

    @Test
    void aGroupGivesAtMostTheAllowedPairs() {
        List<float[]> members = new ArrayList<>();
        for (int i = 0; i < 10; i++) members.add(new float[] {i, 0});
        assertEquals(45, AdaptMoments.addPairs(new Scatter(2), members, 1000).count());
        assertEquals(7, AdaptMoments.addPairs(new Scatter(2), members, 7).count());
    }

    private static void assertClose(DMatrixRMaj expected, DMatrixRMaj actual) {
        for (int i = 0; i < expected.data.length; i++) {
            assertEquals(expected.data[i], actual.data[i], 1e-9, "element " + i);
        }
    }
}
