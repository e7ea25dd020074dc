package dev.prodlens.api.search;

/** One result item as the API returns it. */
public record SearchHit(
        String id, float score, String title, String category, Double price, String imageUrl) {}
