package dev.prodlens.jobs.match;

import java.util.List;

/**
 * What the match job found (also {@code summary.json} beside the duplicates page).
 *
 * @param listings listings searched
 * @param threshold the score from which a neighbour is predicted to be the same product
 * @param thresholdChoice how it was set: {@code configured}, {@code chosen} (best F1 on the tune
 *     groups) or {@code default} (no labels)
 * @param tuneGroups, heldOutGroups labelled listings on each side of the split (0 without labels)
 * @param f1Tune the Shopee F1 at the threshold on the listings it was chosen on; null without
 *     labels
 * @param f1HeldOut the Shopee F1 at the threshold on the held-out listings (never tuned on); null
 *     without labels there
 * @param f1All the Shopee F1 over every labelled listing; null without labels
 * @param f1Curve the tune listings' F1 at thresholds 0.00, 0.01, … 1.00; empty without labels
 * @param predictedPairs listings' predicted matches, counted per listing (a pair found from both
 *     sides counts twice)
 * @param duplicateListings listings in a group of two or more
 * @param groups groups of two or more listings
 * @param largestGroup listings in the largest group
 * @param output where listings.parquet and groups.parquet are
 * @param seconds the job's wall time
 * @param split which label groups chose the threshold and which report the F1 ({@link Labels#of}):
 *     {@code adapt} (the learned projection's validation and test groups, its training groups on
 *     neither side) or {@code tune-share}
 */
public record MatchResult(
        long listings,
        double threshold,
        String thresholdChoice,
        long tuneListings,
        long heldOutListings,
        Double f1Tune,
        Double f1HeldOut,
        Double f1All,
        List<Double> f1Curve,
        long predictedPairs,
        long duplicateListings,
        long groups,
        long largestGroup,
        String output,
        double seconds,
        String split) {}
