package dev.prodlens.api.search;

/**
 * One result item: the catalogue's fields and its score (the API adds the route of its image, which
 * this layer does not know).
 */
public record SearchHit(String id, float score, String title, String category, Double price) {}
