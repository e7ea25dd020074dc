"""Schemathesis hooks for scripts/api-contract.sh: what the contract's binary bodies hold.

Every `format: binary` the API takes is an image (JPEG, PNG, WebP, GIF or BMP, sniffed from the
bytes; openapi.json says so), and bytes that are not one are refused 415 or 422 as it documents.
Schemathesis's own binary values are any bytes as often as an image, so most schema-valid searches
and writes would stop at the decoder. Here they are images: the files of PRODLENS_CONTRACT_IMAGES
(a directory of catalogue photos) when it is set, else Schemathesis's own 1x1 samples of each
format; so the generated requests are real searches and writes, whose answers are checked too.
"""
import os
from pathlib import Path

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import MEDIA_TYPE_FILE_SAMPLES

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"}
MAX_IMAGES = 8


def images():
    directory = os.environ.get("PRODLENS_CONTRACT_IMAGES")
    if directory:
        files = sorted(p for p in Path(directory).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SystemExit(f"PRODLENS_CONTRACT_IMAGES={directory} holds no image")
        return [p.read_bytes() for p in files[:MAX_IMAGES]]
    return list(MEDIA_TYPE_FILE_SAMPLES.values())


schemathesis.openapi.format("binary", st.sampled_from(images()))
