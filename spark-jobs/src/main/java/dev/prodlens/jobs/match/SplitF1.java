package dev.prodlens.jobs.match;

import dev.prodlens.jobs.evaluate.ShopeeF1;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * The Shopee F1 curves of the labelled listings, summed where they are (a Spark partition of {@link
 * NeighbourSearch#SCHEMA} rows) and merged on the driver: one for the groups the threshold is
 * chosen on, one for the held-out groups it is reported on ({@link Labels}).
 */
public record SplitF1(ShopeeF1 tune, ShopeeF1 heldOut) implements Serializable {

    static SplitF1 empty(int neighbours) {
        return new SplitF1(ShopeeF1.ofJudged(neighbours), ShopeeF1.ofJudged(neighbours));
    }

    /** Both sides together. */
    ShopeeF1 all(int neighbours) {
        ShopeeF1 all = ShopeeF1.ofJudged(neighbours);
        all.merge(tune);
        all.merge(heldOut);
        return all;
    }

    SplitF1 merge(SplitF1 other) {
        tune.merge(other.tune);
        heldOut.merge(other.heldOut);
        return this;
    }

    /** Sums a partition of listings' neighbours: one {@code SplitF1} per partition. */
    static MapPartitionsFunction<Row, SplitF1> summing(int neighbours, Broadcast<Labels> labels) {
        return rows -> {
            Labels truth = labels.value();
            SplitF1 sums = empty(neighbours);
            while (rows.hasNext()) {
                Row row = rows.next();
                int listing = row.getInt(0);
                if (!truth.labelled(listing)) continue;
                List<Integer> found = row.getList(1);
                List<Float> scored = row.getList(2);
                boolean[] correct = new boolean[found.size()];
                float[] scores = new float[found.size()];
                for (int r = 0; r < correct.length; r++) {
                    correct[r] = truth.sameGroup(listing, found.get(r));
                    scores[r] = scored.get(r);
                }
                Labels.Side side = truth.sideOf(listing);
                if (side == Labels.Side.NEITHER) continue;
                (side == Labels.Side.HELD_OUT ? sums.heldOut() : sums.tune())
                        .add(correct, scores, correct.length, truth.groupSizeOf(listing));
            }
            return List.of(sums).iterator();
        };
    }
}
