#!/usr/bin/python3
"""Which part of issue 18's split a label group is in: the Python twin of search-core's
dev.prodlens.core.adapt.GroupSplit (same hash, same thresholds; GroupSplitTest runs both on the
same names), so scripts/finetune.py never learns from a group that Java scores as validation or test.

As a program: label groups on standard input, one per line (UTF-8), and "group<TAB>PART" lines out.
"""
import hashlib
import sys

TRAIN, VALIDATION, TEST = "TRAIN", "VALIDATION", "TEST"
# GroupSplit.DEFAULT: 60% of the groups to learn from, 20% to choose with, 20% to report.
DEFAULT_VALIDATION_SHARE = 0.2
DEFAULT_TEST_SHARE = 0.2


def unit(group):
    """The group's name hashed to [0, 1): the first 8 bytes of SHA-256 of its UTF-8 bytes as an
    unsigned big-endian number, its top 53 bits over 2^53 (exact in a double, as in Java)."""
    bits = int.from_bytes(hashlib.sha256(group.encode("utf-8")).digest()[:8], "big") >> 11
    return bits / (1 << 53)


def part_of(group, validation_share=DEFAULT_VALIDATION_SHARE, test_share=DEFAULT_TEST_SHARE):
    u = unit(group)
    if u < test_share:
        return TEST
    if u < test_share + validation_share:
        return VALIDATION
    return TRAIN


def main():
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    for line in sys.stdin:
        group = line.rstrip("\n")
        print(f"{group}\t{part_of(group)}")


if __name__ == "__main__":
    main()
