#!/usr/bin/python3
"""Regenerates the image fixtures of ImageDecoderTest (the files beside this script).

Run with Debian's system Python, which has Pillow 9.4 with WebP support:

    /usr/bin/python3 search-core/src/test/resources/images/make_fixtures.py

The output is deterministic for a given Pillow/libjpeg/libwebp. Every picture is the same
"quadrant" pattern (or a plain variant of it) so that a test can check both the size and where
each colour lands, which a symmetric picture could not show (a rotation would go unnoticed).
"""
import glob
import io
import os
import struct
import zipfile
import zlib

from PIL import Image, ImageCms, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
DOG = "/usr/share/darknet/data/dog.jpg"

# Quadrant colours, also spelled out in ImageDecoderTest: top-left red, top-right green,
# bottom-left blue, bottom-right yellow.
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 220, 30)


def quadrants(width, height, mode="RGB"):
    img = Image.new("RGB", (width, height))
    w2, h2 = width // 2, height // 2
    img.paste(RED, (0, 0, w2, h2))
    img.paste(GREEN, (w2, 0, width, h2))
    img.paste(BLUE, (0, h2, w2, height))
    img.paste(YELLOW, (w2, h2, width, height))
    return img.convert(mode) if mode != "RGB" else img


def save(img, name, **kwargs):
    img.save(os.path.join(HERE, name), **kwargs)


def main():
    quad = quadrants(64, 48)
    # One file per format, 64x48.
    save(quad, "quad.jpg", quality=92)
    save(quad, "quad_progressive.jpg", quality=92, progressive=True)
    save(quad, "quad.png")
    save(quad, "quad_lossy.webp", quality=90)
    save(quad, "quad_lossless.webp", lossless=True)
    save(quad, "quad.gif")
    save(quad, "quad.bmp")

    # Colour variants. PIL writes CMYK JPEGs the Adobe way (APP14, inverted values).
    save(quad.convert("CMYK"), "quad_cmyk.jpg", quality=92)
    # Wide-gamut: the quadrant colours converted to Clay RGB (an Adobe RGB 1998 equivalent,
    # the profile TwelveMonkeys ships in imageio-core), with that profile embedded. Decoded
    # without colour management, red would come out as (189, 35, 35), green (116, 199, 57).
    clay = clay_rgb_profile()
    if clay is not None:
        wide = ImageCms.profileToProfile(quad, ImageCms.createProfile("sRGB"),
                                         ImageCms.ImageCmsProfile(io.BytesIO(clay)))
        save(wide, "quad_adobe_rgb.jpg", quality=92, icc_profile=clay)
    save(quad.convert("L"), "quad_gray.jpg", quality=92)
    # 16-bit grayscale PNG: mode I;16 keeps the full 16-bit range (value * 257).
    gray16 = Image.new("I;16", quad.size)
    gray16.putdata([v * 257 for v in quad.convert("L").getdata()])
    save(gray16, "quad_gray16.png")
    save(quad.convert("P", palette=Image.ADAPTIVE, colors=4), "quad_palette.png")

    # Alpha: left half fully transparent (its colour, black, must not show), right half opaque
    # red, and a half-transparent black band across the bottom right.
    alpha = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    alpha.paste((220, 30, 30, 255), (32, 0, 64, 24))
    alpha.paste((0, 0, 0, 128), (32, 24, 64, 48))
    save(alpha, "alpha.png")
    # Palette PNG with a transparent index (tRNS chunk): left half transparent, right half blue.
    pal = Image.new("P", (64, 48), 0)
    pal.putpalette([0, 0, 0, 30, 30, 220] + [0] * (3 * 254))
    pal.paste(1, (32, 0, 64, 48))
    save(pal, "alpha_palette.png", transparency=0)
    # Lossy WebP with alpha (VP8X + ALPH chunks).
    save(alpha, "alpha.webp", quality=90)
    # What libwebp itself decodes from the lossy WebPs (through Pillow), alpha composited onto
    # white: the reference the libwebp path must match exactly.
    for name in ("quad_lossy", "alpha"):
        decoded = Image.open(os.path.join(HERE, name + ".webp")).convert("RGBA")
        white = Image.new("RGBA", decoded.size, (255, 255, 255, 255))
        save(Image.alpha_composite(white, decoded).convert("RGB"), name + "_webp_reference.png",
             optimize=True)

    # Animations: frame 0 red, frame 1 blue. The decoder must return frame 0.
    frames = [Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)]
    save(frames[0], "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    save(frames[0], "animated.webp", save_all=True, append_images=frames[1:], duration=100,
         loop=0, lossless=True)

    # EXIF orientations 1-8 of a 48x32 upright picture. The stored pixels are the upright
    # picture transformed by the inverse of what the orientation tells a viewer to do, so that
    # every file shows the same upright picture once its orientation is applied.
    upright = quadrants(48, 32)
    inverse = {1: None, 2: Image.FLIP_LEFT_RIGHT, 3: Image.ROTATE_180, 4: Image.FLIP_TOP_BOTTOM,
               5: Image.TRANSPOSE, 6: Image.ROTATE_90, 7: Image.TRANSVERSE, 8: Image.ROTATE_270}
    for orientation, method in inverse.items():
        stored = upright if method is None else upright.transpose(method)
        exif = Image.Exif()
        exif[0x0112] = orientation
        buf = io.BytesIO()
        stored.save(buf, "JPEG", quality=95, exif=exif.tobytes())
        check = ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue())))
        assert check.size == upright.size, (orientation, check.size)
        with open(os.path.join(HERE, f"orientation_{orientation}.jpg"), "wb") as f:
            f.write(buf.getvalue())

    # A large JPEG for the reduced-scale decode: 2000x1500.
    save(quadrants(2000, 1500), "large_2000x1500.jpg", quality=85)

    # Decoding-time bomb: a progressive JPEG whose last scan is repeated 150 times (libjpeg
    # redoes each one over the whole image; 2000 copies on 4000x4000 take minutes to decode).
    with open(os.path.join(HERE, "scans_bomb.jpg"), "wb") as f:
        f.write(repeat_last_scan(quad, 150))

    # A real photo (Darknet's sample dog.jpg; Debian's darknet package: MIT or WTFPL or
    # GPL-3.0+), small, with the pixels Pillow (libjpeg-turbo) decodes from it as a lossless
    # reference.
    if os.path.exists(DOG):
        photo = Image.open(DOG).convert("RGB").resize((160, 120), Image.LANCZOS)
        save(photo, "photo.jpg", quality=90)
        save(Image.open(os.path.join(HERE, "photo.jpg")).convert("RGB"), "photo_reference.png",
             optimize=True)
        # The same photo as WebP, lossy at 320x240 (larger than the 224 target, so scaled on
        # decode) and lossless at 160x120 (predictor, cross-colour and colour-cache transforms).
        dog = Image.open(DOG).convert("RGB")
        save(dog.resize((320, 240), Image.LANCZOS), "photo.webp", quality=85)
        save(dog.resize((160, 120), Image.LANCZOS), "photo_lossless.webp", lossless=True)
    else:
        print(f"{DOG} missing (Debian package darknet); photo.jpg left as it is")

    # Decompression bomb: a real 12000x12000 1-bit PNG (144 MP, 576 MB as int RGB) that
    # compresses to a few kilobytes.
    save(Image.new("1", (12000, 12000), 0), "bomb_12000x12000.png", optimize=True)
    # And one that only declares 40000x40000: valid signature, IHDR and a tiny IDAT.
    with open(os.path.join(HERE, "bomb_header_40000x40000.png"), "wb") as f:
        f.write(png_header_only(40000, 40000))


def clay_rgb_profile():
    jars = sorted(glob.glob(os.path.expanduser(
        "~/.m2/repository/com/twelvemonkeys/imageio/imageio-core/*/imageio-core-*[0-9].jar")))
    if not jars:
        print("no imageio-core jar in ~/.m2 (build search-core first); quad_adobe_rgb.jpg kept")
        return None
    with zipfile.ZipFile(jars[-1]) as jar:
        return jar.read("profiles/ClayRGB1998.icc")


def repeat_last_scan(img, copies):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, progressive=True)
    jpeg = buf.getvalue()
    start, end = jpeg_scans(jpeg)[-1]
    return jpeg[:end] + jpeg[start:end] * copies + jpeg[end:]


def jpeg_scans(jpeg):
    """(start, end) of each SOS segment with its entropy-coded data."""
    scans, pos = [], 2
    while jpeg[pos + 1] != 0xD9:
        end = pos + 2 + (jpeg[pos + 2] << 8 | jpeg[pos + 3])
        if jpeg[pos + 1] == 0xDA:
            # entropy data ends at the first 0xFF not followed by 0x00 or a restart marker
            while not (jpeg[end] == 0xFF and jpeg[end + 1] != 0
                       and not 0xD0 <= jpeg[end + 1] <= 0xD7):
                end += 1
            scans.append((pos, end))
        pos = end
    return scans


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_header_only(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
