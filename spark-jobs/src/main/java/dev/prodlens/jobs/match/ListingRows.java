package dev.prodlens.jobs.match;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What a row of listings.parquet says of a listing, made in the executors from its neighbours
 * ({@link NeighbourSearch#SCHEMA}) with what the driver decided (broadcast): ids, label groups, the
 * groups and the threshold.
 */
record ListingRows(
        String[] ids, String[] labelGroups, String[] groupIds, int[] groupSizes, double threshold)
        implements Serializable {

    static final StructType MATCH =
            new StructType()
                    .add("item_id", DataTypes.StringType, false)
                    .add("score", DataTypes.FloatType, false);

    /** listings.parquet: the listing, its predicted matches (best first), its group. */
    static final StructType SCHEMA =
            new StructType()
                    .add("item_id", DataTypes.StringType, false)
                    .add("label_group", DataTypes.StringType, true)
                    .add("matches", DataTypes.createArrayType(MATCH, false), false)
                    .add("group_id", DataTypes.StringType, false)
                    .add("group_size", DataTypes.IntegerType, false);

    Row of(Row neighbours) {
        int listing = neighbours.getInt(0);
        List<Integer> found = neighbours.getList(1);
        List<Float> scores = neighbours.getList(2);
        List<Row> matches = new ArrayList<>();
        for (int r = 0; r < found.size() && scores.get(r) >= threshold; r++)
            matches.add(RowFactory.create(ids[found.get(r)], scores.get(r)));
        return RowFactory.create(
                ids[listing],
                labelGroups[listing],
                matches.toArray(Row[]::new),
                groupIds[listing],
                groupSizes[listing]);
    }
}
