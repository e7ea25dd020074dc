package dev.prodlens.jobs.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.Config;
import dev.prodlens.jobs.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catalogues in CSV, JSON lines and Parquet, Shopee names or mapped ones, into the canonical
 * columns.
 */
class CatalogueReaderTest {
    private static SparkSession spark;

    @TempDir Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("catalogue-reader");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Map<String, Row> byId(Dataset<Row> rows) {
        List<String> columns = new java.util.ArrayList<>(CatalogueReader.COLUMNS);
        columns.addAll(CatalogueReader.SOURCE);
        assertEquals(columns, List.of(rows.columns()));
        Map<String, Row> out = new java.util.HashMap<>();
        for (Row r : rows.collectAsList()) out.put(r.getString(0), r);
        return out;
    }

    @Test
    void shopeeCsvWithQuotedTitles() throws IOException {
        Path csv = tmp.resolve("train.csv");
        Files.writeString(
                csv,
                """
                posting_id,image,image_phash,title,label_group,price
                train_1,a.jpg,94974f937d4c2433,"Paper bag, ""Victoria"" 23",249114794,12.5
                train_2,b.jpg,af3f9460c2838f0f,Kemeja,2937985045,
                """);
        Map<String, Row> rows =
                byId(CatalogueReader.read(spark, csv.toString(), null, CatalogueColumns.SHOPEE));
        assertEquals(2, rows.size());
        Row first = rows.get("train_1");
        assertEquals(List.of("a.jpg"), first.getList(1));
        assertEquals("Paper bag, \"Victoria\" 23", first.getString(2));
        assertEquals("249114794", first.getString(3));
        assertNull(first.get(4), "no category column: null");
        assertEquals("12.5", first.getString(5), "the price as written: RowCheck types it");
        assertTrue(rows.get("train_2").isNullAt(5));
    }

    @Test
    void jsonLinesWithMappedColumnNames() throws IOException {
        Path jsonl = tmp.resolve("items.jsonl");
        Files.writeString(
                jsonl,
                """
                {"sku": 17, "photo": "/img/17.png", "name": "Mug", "kind": "kitchen", "cost": 3}
                {"sku": 18, "photo": "/img/18.png", "name": "Cup", "kind": "kitchen", "cost": 2.5}
                """);
        Config config =
                Config.of(
                        Map.of(
                                "catalogue.column.id",
                                "sku",
                                "catalogue.column.image",
                                "photo",
                                "catalogue.column.title",
                                "name",
                                "catalogue.column.category",
                                "kind",
                                "catalogue.column.price",
                                "cost"));
        Map<String, Row> rows =
                byId(
                        CatalogueReader.read(
                                spark, jsonl.toString(), "auto", CatalogueColumns.from(config)));
        assertEquals(List.of("/img/18.png"), rows.get("18").getList(1));
        assertEquals("kitchen", rows.get("17").getString(4));
        assertEquals("2.5", rows.get("18").getString(5));
        assertNull(rows.get("17").get(3), "no label_group column: null");
    }

    @Test
    void parquetWrittenBySpark() {
        Path parquet = tmp.resolve("catalogue.parquet");
        spark.sql(
                        "SELECT CAST(id AS STRING) AS posting_id, concat('img/', id, '.jpg') AS image, 'x' AS title, "
                                + "CAST(id % 3 AS STRING) AS label_group, 'toys' AS category, CAST(id AS DOUBLE) AS price FROM range(10)")
                .write()
                .parquet(parquet.toString());
        Map<String, Row> rows =
                byId(
                        CatalogueReader.read(
                                spark, parquet.toString(), null, CatalogueColumns.SHOPEE));
        assertEquals(10, rows.size());
        assertEquals(List.of("img/7.jpg"), rows.get("7").getList(1));
        assertEquals("1", rows.get("7").getString(3));
    }

    @Test
    void textImagesAreSplitAtTheSeparatorAndListsTakenAsTheyAre() throws IOException {
        Path csv = tmp.resolve("multi.csv");
        Files.writeString(
                csv, "posting_id,image\nm1,a.jpg | b.jpg||c.jpg \nm2,\" | \"\nm3,one.jpg\n");
        Map<String, Row> split =
                byId(CatalogueReader.read(spark, csv.toString(), null, CatalogueColumns.SHOPEE));
        assertEquals(List.of("a.jpg", "b.jpg", "c.jpg"), split.get("m1").getList(1));
        assertEquals(List.of(), split.get("m2").getList(1), "only separators: no image");
        assertEquals(List.of("one.jpg"), split.get("m3").getList(1));
        Map<String, Row> whole =
                byId(
                        CatalogueReader.read(
                                spark,
                                csv.toString(),
                                null,
                                CatalogueColumns.SHOPEE,
                                new ImageColumn("", 16)));
        assertEquals(List.of("a.jpg | b.jpg||c.jpg"), whole.get("m1").getList(1));

        Path jsonl = tmp.resolve("multi.jsonl");
        Files.writeString(
                jsonl,
                """
                {"posting_id": "j1", "image": ["x|1.jpg", "y.jpg"]}
                {"posting_id": "j2", "image": []}
                """);
        Map<String, Row> json =
                byId(CatalogueReader.read(spark, jsonl.toString(), null, CatalogueColumns.SHOPEE));
        assertEquals(List.of("x|1.jpg", "y.jpg"), json.get("j1").getList(1), "a list is not split");
        assertEquals(List.of(), json.get("j2").getList(1));

        Path parquet = tmp.resolve("multi.parquet");
        spark.sql("SELECT 'p1' AS posting_id, array('a.jpg', 'b.jpg') AS image")
                .write()
                .parquet(parquet.toString());
        assertEquals(
                List.of("a.jpg", "b.jpg"),
                byId(CatalogueReader.read(spark, parquet.toString(), null, CatalogueColumns.SHOPEE))
                        .get("p1")
                        .getList(1));
    }

    @Test
    void rowsKeepTheirFileAndOrderInIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("parts"));
        StringBuilder b = new StringBuilder("posting_id,image\n");
        for (int i = 0; i < 50; i++) b.append("b").append(i).append(",x.jpg\n");
        Files.writeString(dir.resolve("b.csv"), b);
        Files.writeString(dir.resolve("a.csv"), "posting_id,image\na0,x.jpg\na1,x.jpg\n");
        List<Row> rows =
                CatalogueReader.read(spark, dir.toString(), "csv", CatalogueColumns.SHOPEE)
                        .orderBy("source_file", "source_row")
                        .collectAsList();
        List<String> ids = rows.stream().map(r -> r.getString(0)).toList();
        assertEquals("a0", ids.get(0));
        assertEquals("a1", ids.get(1));
        for (int i = 0; i < 50; i++) assertEquals("b" + i, ids.get(2 + i));
        assertTrue(rows.get(0).getString(6).endsWith("/a.csv"), rows.get(0).getString(6));
    }

    @Test
    void missingRequiredColumnNamesTheKeyAndTheColumnsThere() throws IOException {
        Path csv = tmp.resolve("wrong.csv");
        Files.writeString(csv, "id,picture\n1,a.jpg\n");
        CatalogueException e =
                assertThrows(
                        CatalogueException.class,
                        () ->
                                CatalogueReader.read(
                                        spark, csv.toString(), null, CatalogueColumns.SHOPEE));
        assertTrue(
                e.getMessage().contains("'posting_id' (catalogue.column.id)")
                        && e.getMessage().contains("[id, picture]"),
                e.getMessage());
    }

    @Test
    void unknownFormatIsAClearError() {
        CatalogueException byName =
                assertThrows(
                        CatalogueException.class,
                        () ->
                                CatalogueReader.read(
                                        spark,
                                        tmp.resolve("items.xlsx").toString(),
                                        null,
                                        CatalogueColumns.SHOPEE));
        assertTrue(byName.getMessage().contains(".csv, .jsonl or .parquet"), byName.getMessage());
        CatalogueException explicit =
                assertThrows(
                        CatalogueException.class,
                        () ->
                                CatalogueReader.read(
                                        spark,
                                        tmp.resolve("items.csv").toString(),
                                        "xml",
                                        CatalogueColumns.SHOPEE));
        assertTrue(explicit.getMessage().contains("'xml' is not supported"), explicit.getMessage());
    }

    /**
     * Spark would end the job with "[PATH_NOT_FOUND]" and a stack trace: one line naming the key
     * instead.
     */
    @Test
    void aMissingCatalogueIsOneLine() {
        String missing = tmp.resolve("no-such-catalogue.csv").toString();
        CatalogueException e =
                assertThrows(
                        CatalogueException.class,
                        () -> CatalogueReader.read(spark, missing, null, CatalogueColumns.SHOPEE));
        assertEquals(
                "catalogue " + missing + " does not exist; check catalogue.path", e.getMessage());
    }
}
