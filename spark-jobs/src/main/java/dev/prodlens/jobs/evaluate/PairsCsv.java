package dev.prodlens.jobs.evaluate;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads labelled pairs from a CSV file {@code query_id,match_id} (that header, then one pair per
 * line; fields may be double-quoted, with "" for a quote, so ids may hold commas). Read through
 * Hadoop's FileSystem, so the path may be local, {@code hdfs://} or {@code s3a://} like the job's
 * other inputs. A bad file fails with one line naming the file, the line and the fix.
 */
public final class PairsCsv {
    static final String HEADER = "query_id,match_id";
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    /** Most characters of a bad line quoted in a message. */
    private static final int MAX_SHOWN = 60;

    private PairsCsv() {}

    /** The pairs of the file at {@code path}, in file order. */
    public static List<Relevance.Pair> read(String path, Configuration hadoop) {
        Path file = new Path(path);
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                file.getFileSystem(hadoop).open(file), StandardCharsets.UTF_8))) {
            return parse(reader, path);
        } catch (FileNotFoundException e) {
            throw new EvaluationException(
                    "pairs file " + path + " not found; check the path of the labelled pairs");
        } catch (IOException e) {
            throw new EvaluationException(
                    "cannot read pairs file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Each id of the pairs → its connected component, named by the component's smallest id (so the
     * same pairs name the same groups, and the split hashes whole components).
     */
    public static Map<String, String> groups(List<Relevance.Pair> pairs) {
        Map<String, String> parent = new HashMap<>();
        for (Relevance.Pair p : pairs) {
            if (p.queryId().equals(p.matchId())) continue;
            String a = root(parent, p.queryId());
            String b = root(parent, p.matchId());
            if (!a.equals(b)) {
                // the smaller id becomes the root: the component's name is its smallest id
                if (a.compareTo(b) < 0) parent.put(b, a);
                else parent.put(a, b);
            }
        }
        Map<String, String> component = new HashMap<>();
        for (String id : parent.keySet()) component.put(id, root(parent, id));
        return component;
    }

    private static String root(Map<String, String> parent, String id) {
        parent.putIfAbsent(id, id);
        String r = id;
        while (!parent.get(r).equals(r)) r = parent.get(r);
        // path compression: every id on the way now points at the root
        for (String x = id; !x.equals(r); ) {
            String next = parent.get(x);
            parent.put(x, r);
            x = next;
        }
        return r;
    }

    private static List<Relevance.Pair> parse(BufferedReader reader, String path)
            throws IOException {
        String header = reader.readLine();
        if (header != null && !header.isEmpty() && header.charAt(0) == BYTE_ORDER_MARK) {
            header = header.substring(1);
        }
        if (header == null || !header.strip().replace(" ", "").equalsIgnoreCase(HEADER)) {
            throw new EvaluationException(
                    "pairs file "
                            + path
                            + " must start with the header line '"
                            + HEADER
                            + "', found "
                            + (header == null ? "an empty file" : "'" + abbreviate(header) + "'"));
        }
        List<Relevance.Pair> pairs = new ArrayList<>();
        String line;
        int number = 1;
        while ((line = reader.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = fields(line, path, number);
            if (fields.size() != 2 || fields.get(0).isEmpty() || fields.get(1).isEmpty()) {
                throw new EvaluationException(
                        "pairs file "
                                + path
                                + " line "
                                + number
                                + ": expected two non-empty ids '"
                                + HEADER
                                + "', found '"
                                + abbreviate(line)
                                + "'");
            }
            pairs.add(new Relevance.Pair(fields.get(0), fields.get(1)));
        }
        return pairs;
    }

    /** The comma-separated fields of a line, unquoted; ids are stripped of surrounding blanks. */
    private static List<String> fields(String line, String path, int number) {
        List<String> fields = new ArrayList<>(2);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString().strip());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new EvaluationException(
                    "pairs file "
                            + path
                            + " line "
                            + number
                            + ": a quote is not closed in '"
                            + abbreviate(line)
                            + "'");
        }
        fields.add(field.toString().strip());
        return fields;
    }

    /** A line as shown in a message: short, so a binary file does not flood the terminal. */
    private static String abbreviate(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= MAX_SHOWN
                ? printable
                : printable.substring(0, MAX_SHOWN) + "...";
    }
}
