package dev.prodlens.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Product titles from openclipart file names: "apple_bitten_dan_gerhard_01.png" in food becomes
 * "Apple Bitten – Food". The names are the drawing's subject, then often its artist's name (cut
 * short to fit the name length: "architetto_franc", "nicu_bucu") and a number; the title keeps the
 * words before the first artist word, without numbers and one-letter leftovers.
 */
final class ClipArtTitles {
    /**
     * The artists' names (first and last) that occur in the demo catalogue's folders. A word of a
     * file name that is one of these, or a beginning of one of at least {@value #MIN_PREFIX}
     * letters (a cut-short name), ends the subject. Unknown artists just stay in the title.
     */
    private static final Set<String> ARTISTS =
            Set.of(
                    ("ganson architetto francesco rollandin nicu buculei jarno vasamaa jean "
                                    + "victor balin benji park linda kim gerald juliane krug mateya peterm sergio luiz araujo petri lummema ashton dave pena "
                                    + "brice boyer jonathan dietrich toh yen cheng costea bogdan mauro olivo frouke jon phillips campbell leif lodahl dan "
                                    + "gerhard joerg rosenbauer gino rivera shandy anton andrade michael moore hart tunniclif jaime sanchez ruairi denco "
                                    + "alejandro tejada andremarcel anthony liekens seth yastrov orbu chaspo martin schmidt erik postma yemu etienne bersac "
                                    + "yager mike stuart william santiago jakob chaosinfa kurt nordstrom lion kimbro israel joel steffen nathan eady jasper "
                                    + "alexander davide pesenti jurgen philippe terry enrique meza geraint luff dennis einar afief halumi igor andrea angelo "
                                    + "gelmi omar tanguy ruud steltenpoel vladimir bram celso jure kodzoman dudziak tomek jordan wiens mitchell marcelo "
                                    + "caiafa gabrielle nowicki goneri james kilfige birkett karl bartel erich olivier teudimu utrescu frederic moser "
                                    + "uliphant darkon rikva romus jonadab valessio soares durex christophe joeseph teed glenn aubanel fudriot lumen "
                                    + "treebuilder http amos mimooh daniel steele christian davek orlando mariusz kevin jeff yves nurbldoff schwoo "
                                    + "abiclipart structor snuatautisticido indana gabriel alex stefan graubner hussnain aj fco")
                            .split(" "));

    private static final int MIN_PREFIX = 4;

    /**
     * Words that say how the file was drawn, not what it shows: black-and-white variants,
     * file-format leftovers.
     */
    private static final Set<String> NOISE = Set.of("bw", "svg", "amp", "www");

    private ClipArtTitles() {}

    /**
     * "Apple Bitten – Food" for {@code apple_bitten_dan_gerhard_01.png} in a category labelled
     * "food".
     */
    static String title(String fileName, String categoryLabel) {
        String base = fileName.replaceFirst("\\.png$", "");
        List<String> words = new ArrayList<>();
        String[] tokens = base.toLowerCase(Locale.ROOT).split("[_\\-.\\s]+");
        for (String token : tokens) {
            if (token.isEmpty()) continue;
            if (!words.isEmpty() && isArtist(token)) break;
            String word = token.replaceFirst("(?<=[a-z])\\d+$", ""); // "cake1" → "cake"
            boolean number = word.chars().allMatch(Character::isDigit);
            if (NOISE.contains(word)
                    || (word.length() == 1 && !number)
                    || (number && !words.isEmpty())) continue;
            words.add(Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        boolean noName = words.stream().allMatch(w -> w.chars().allMatch(Character::isDigit));
        String subject = noName ? "Item" : String.join(" ", words);
        return subject + " – " + capitalised(categoryLabel);
    }

    private static boolean isArtist(String token) {
        if (ARTISTS.contains(token)) return true;
        return token.length() >= MIN_PREFIX
                && ARTISTS.stream().anyMatch(name -> name.startsWith(token));
    }

    /** "office & school" → "Office & School". */
    private static String capitalised(String label) {
        StringBuilder out = new StringBuilder(label.length());
        boolean start = true;
        for (char c : label.toCharArray()) {
            out.append(start ? Character.toUpperCase(c) : c);
            start = c == ' ';
        }
        return out.toString();
    }
}
