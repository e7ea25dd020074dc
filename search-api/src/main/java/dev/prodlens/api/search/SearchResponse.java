package dev.prodlens.api.search;

import java.util.List;

/**
 * One search's answer.
 *
 * @param version the bundle version that answered
 * @param batchSize how many images shared the model run (1 when batching is off or the service
 *     idle; with regions, the largest run any part of the photo was in)
 * @param regions how many crops of the photo were searched and fused besides the whole (0: the
 *     whole photo only)
 */
public record SearchResponse(
        String version,
        String model,
        int k,
        List<SearchHit> items,
        Timing timingMs,
        int batchSize,
        int regions) {}
