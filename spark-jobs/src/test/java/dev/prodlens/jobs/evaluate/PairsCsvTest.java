package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairsCsvTest {
    @TempDir Path dir;

    @Test
    void readsPairsWithQuotedIds() throws IOException {
        Path file =
                Files.writeString(
                        dir.resolve("pairs.csv"),
                        "\uFEFFquery_id,match_id\n1,2\n\n\"a,b\", \"say \"\"hi\"\"\"\n");
        List<Relevance.Pair> pairs = PairsCsv.read(file.toUri().toString(), new Configuration());
        assertEquals(
                List.of(new Relevance.Pair("1", "2"), new Relevance.Pair("a,b", "say \"hi\"")),
                pairs);
    }

    @Test
    void aMissingFileSaysSo() {
        String path = dir.resolve("absent.csv").toString();
        EvaluationException e =
                assertThrows(
                        EvaluationException.class, () -> PairsCsv.read(path, new Configuration()));
        assertEquals(
                "pairs file " + path + " not found; check the path of the labelled pairs",
                e.getMessage());
    }

    @Test
    void aWrongHeaderOrLineIsNamedInOneLine() throws IOException {
        Path header = Files.writeString(dir.resolve("header.csv"), "id,other\n1,2\n");
        EvaluationException e =
                assertThrows(
                        EvaluationException.class,
                        () -> PairsCsv.read(header.toString(), new Configuration()));
        assertTrue(
                e.getMessage()
                        .contains(
                                "must start with the header line 'query_id,match_id', found 'id,other'"),
                e.getMessage());

        Path columns =
                Files.writeString(dir.resolve("columns.csv"), "query_id,match_id\n1,2\n3,4,5\n");
        e =
                assertThrows(
                        EvaluationException.class,
                        () -> PairsCsv.read(columns.toString(), new Configuration()));
        assertTrue(e.getMessage().contains("line 3: expected two non-empty ids"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");

        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        e =
                assertThrows(
                        EvaluationException.class,
                        () -> PairsCsv.read(empty.toString(), new Configuration()));
        assertTrue(e.getMessage().endsWith("found an empty file"), e.getMessage());
    }
}
