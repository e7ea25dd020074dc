package dev.prodlens.jobs.evaluate;

import java.util.Locale;

/**
 * The little HTML the report needs: escaping (every string from data goes through it) and number
 * formats.
 */
public final class Html {
    private Html() {}

    /** Text safe inside an element or a double-quoted attribute. */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A metric in [0, 1] with three decimals. */
    public static String metric(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** A difference with its sign, three decimals. */
    static String signed(double value) {
        return String.format(Locale.ROOT, "%+.3f", value);
    }
}
