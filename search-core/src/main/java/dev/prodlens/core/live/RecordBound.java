package dev.prodlens.core.live;

import java.util.List;

/** The record size bound every {@link UpdateLog} backend checks before writing anything. */
final class RecordBound {
    private RecordBound() {}

    /**
     * @throws IllegalArgumentException if any record is larger than {@code maxRecordBytes}
     */
    static void check(List<byte[]> records, int maxRecordBytes) {
        for (byte[] record : records) {
            if (record.length > maxRecordBytes) {
                throw new IllegalArgumentException(
                        "update log record of "
                                + record.length
                                + " bytes is over the bound of "
                                + maxRecordBytes
                                + " bytes this log was opened with; nothing was written");
            }
        }
    }
}
