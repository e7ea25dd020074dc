package dev.prodlens.jobs.evaluate;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * The report's charts, drawn with XChart into PNG files (off-screen: needs no display, only {@code
 * java.awt.headless=true}, which {@link ReportWriter} sets). Exact search is always blue, the ANN
 * index orange, matches green and non-matches grey.
 */
final class Charts {
    static final String RECALL = "recall_at_k.png";
    static final String SHOPEE = "shopee_f1.png";
    static final String CATEGORIES = "category_recall.png";
    static final String SCORES = "score_histogram.png";

    private static final int WIDTH = 800;
    private static final int HEIGHT = 420;

    /** Categories in the bar chart (the largest by queries); the table lists them all. */
    static final int MAX_CHART_CATEGORIES = 30;

    private static final Color EXACT = new Color(0x1f77b4);
    private static final Color ANN = new Color(0xff7f0e);
    private static final Color MATCH = new Color(0x2ca02c);
    private static final Color NON_MATCH = new Color(0x7f7f7f);

    /** Category names longer than this are cut on the chart's axis. */
    private static final int MAX_LABEL = 24;

    private Charts() {}

    /** recall@k against k (logarithmic), exact vs ANN. */
    static void recallAtK(EvalResult result, Path file) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("recall@k")
                        .xAxisTitle("k")
                        .yAxisTitle("recall@k")
                        .build();
        chart.getStyler()
                .setXAxisLogarithmic(true)
                .setYAxisMin(0.0)
                .setYAxisMax(1.0)
                .setLegendPosition(Styler.LegendPosition.InsideSE)
                .setSeriesColors(new Color[] {EXACT, ANN});
        addRecall(chart, "exact", result.exact().retrieval().recallAtK());
        addRecall(chart, "ANN", result.ann().retrieval().recallAtK());
        save(chart, file);
    }

    /** Mean Shopee F1 against the threshold, exact vs ANN. */
    static void shopeeF1(EvalResult result, Path file) throws IOException {
        double[] thresholds = new double[ShopeeF1.STEPS + 1];
        for (int j = 0; j <= ShopeeF1.STEPS; j++) {
            thresholds[j] = ShopeeF1.threshold(j);
        }
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Shopee F1 by cosine threshold")
                        .xAxisTitle("threshold")
                        .yAxisTitle("mean F1")
                        .build();
        chart.getStyler()
                .setYAxisMin(0.0)
                .setYAxisMax(1.0)
                .setMarkerSize(0)
                .setLegendPosition(Styler.LegendPosition.InsideSW)
                .setSeriesColors(new Color[] {EXACT, ANN});
        chart.addSeries("exact", thresholds, result.exact().shopee().f1ByThreshold());
        chart.addSeries("ANN", thresholds, result.ann().shopee().f1ByThreshold());
        save(chart, file);
    }

    /** recall@10 of the largest categories, exact vs ANN. */
    static void categoryRecall(EvalResult result, Path file) throws IOException {
        Map<String, RetrievalMetrics.CategoryRecall> exact =
                result.exact().retrieval().perCategory();
        Map<String, RetrievalMetrics.CategoryRecall> ann = result.ann().retrieval().perCategory();
        List<String> shown = largest(exact);
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(
                                "recall@"
                                        + RetrievalMetrics.CATEGORY_K
                                        + " per category"
                                        + (shown.size() < exact.size()
                                                ? " (" + shown.size() + " largest)"
                                                : ""))
                        .xAxisTitle("category")
                        .yAxisTitle("recall@" + RetrievalMetrics.CATEGORY_K)
                        .build();
        chart.getStyler()
                .setYAxisMin(0.0)
                .setYAxisMax(1.0)
                .setXAxisLabelRotation(shown.size() > 6 ? 45 : 0)
                .setLegendPosition(Styler.LegendPosition.OutsideS)
                .setSeriesColors(new Color[] {EXACT, ANN});
        List<String> labels = shown.stream().map(Charts::label).toList();
        chart.addSeries("exact", labels, shown.stream().map(c -> exact.get(c).recall()).toList());
        chart.addSeries("ANN", labels, shown.stream().map(c -> ann.get(c).recall()).toList());
        save(chart, file);
    }

    /**
     * Share of pairs per cosine bin, true matches vs non-matches (each normalised to 1: non-matches
     * outnumber matches by far, and the shapes are what matters).
     */
    static void scoreHistogram(EvalResult result, Path file) throws IOException {
        double[] centres = new double[ScoreHistogram.BINS];
        for (int b = 0; b < centres.length; b++) {
            centres[b] = ScoreHistogram.lowerEdge(b) + ScoreHistogram.binWidth() / 2;
        }
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("cosine of retrieved neighbours (exact search)")
                        .xAxisTitle("cosine")
                        .yAxisTitle("share of pairs")
                        .build();
        chart.getStyler()
                .setXAxisMin(ScoreHistogram.MIN)
                .setXAxisMax(ScoreHistogram.MAX)
                .setXAxisDecimalPattern("0.0")
                .setMarkerSize(0)
                .setLegendPosition(Styler.LegendPosition.InsideNW)
                .setSeriesColors(new Color[] {NON_MATCH, MATCH});
        // lines, not filled areas: the second area would hide the first where they overlap
        chart.addSeries("non-matches", centres, shares(result.scores().nonMatches()));
        chart.addSeries("true matches", centres, shares(result.scores().matches()));
        save(chart, file);
    }

    private static void addRecall(XYChart chart, String name, Map<Integer, Double> recall) {
        chart.addSeries(
                name,
                recall.keySet().stream().map(Integer::doubleValue).toList(),
                List.copyOf(recall.values()));
    }

    private static List<String> largest(Map<String, RetrievalMetrics.CategoryRecall> categories) {
        return categories.entrySet().stream()
                .sorted(
                        Comparator.comparingInt(
                                        (Map.Entry<String, RetrievalMetrics.CategoryRecall> e) ->
                                                -e.getValue().queries())
                                .thenComparing(Map.Entry::getKey))
                .limit(MAX_CHART_CATEGORIES)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** A category as shown on the axis: long names are cut (the table has them whole). */
    private static String label(String category) {
        return category.length() <= MAX_LABEL
                ? category
                : category.substring(0, MAX_LABEL - 1) + "…";
    }

    private static double[] shares(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[] shares = new double[counts.length];
        for (int i = 0; i < counts.length && total > 0; i++) {
            shares[i] = (double) counts[i] / total;
        }
        return shares;
    }

    private static void save(Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
