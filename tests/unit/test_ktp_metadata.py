"""Everything but pixels is dropped from the stored copy (issue 11: a JPEG comment and a PNG's
ICC profile of arbitrary bytes survived the re-encode). Each check reads the stored bytes'
own structure (JPEG markers, PNG chunks), not what Pillow chooses to report."""

import io
import zlib

from PIL import Image, ImageCms, PngImagePlugin

from localdev.bench_ktp import png
from shared.ktp_inspection import inspect_ktp

SECRET = b"Lat -6.12 Lon 106.15 rahasia-pemohon"
# What a stored image may hold: its pixels and what decoding them needs.
JPEG_MARKERS = {"SOI", "APP0", "DQT", "SOF0", "SOF2", "DHT", "DRI", "SOS"}
PNG_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def jpeg_markers(data: bytes) -> list[str]:
    names = {0xD8: "SOI", 0xC0: "SOF0", 0xC2: "SOF2", 0xC4: "DHT", 0xDB: "DQT", 0xDD: "DRI"}
    names |= {0xE0 + n: f"APP{n}" for n in range(16)} | {0xDA: "SOS", 0xFE: "COM"}
    found, at = ["SOI"], 2
    while at < len(data):
        marker = data[at + 1]
        found.append(names.get(marker, hex(marker)))
        if marker == 0xDA:  # the scan: pixels follow to the end
            return found
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return found


def png_chunks(data: bytes) -> list[bytes]:
    found, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        found.append(data[at + 4 : at + 8])
        at += 12 + length
    return found


def photo(mode="RGB", size=(640, 480)):
    image = Image.new(mode, size, (40, 90, 160) if mode == "RGB" else 120)
    for x in range(0, size[0], 32):
        image.putpixel((x, x % size[1]), (250, 250, 250) if mode == "RGB" else 250)
    return image


def stored(data: bytes, content_type: str) -> bytes:
    result = inspect_ktp(data, content_type)
    assert result.accepted, result.rejection_code
    return result.sanitized


def test_a_jpeg_comment_is_dropped():
    out = io.BytesIO()
    photo().save(out, format="JPEG", comment=SECRET)
    assert "COM" in jpeg_markers(out.getvalue())
    clean = stored(out.getvalue(), "image/jpeg")
    assert set(jpeg_markers(clean)) <= JPEG_MARKERS
    assert SECRET not in clean


def test_exif_with_gps_xmp_and_icc_leave_a_jpeg():
    exif = Image.Exif()
    exif[0x010F] = "ContohPhone"
    exif[0x8825] = {1: "S", 2: (6.0, 7.0, 12.5), 3: "E", 4: (106.0, 9.0, 3.2)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET + b"</x:xmpmeta>"
    out = io.BytesIO()
    photo().save(out, format="JPEG", exif=exif, icc_profile=srgb, xmp=xmp)
    assert {"APP1", "APP2"} <= set(jpeg_markers(out.getvalue()))
    clean = stored(out.getvalue(), "image/jpeg")
    assert set(jpeg_markers(clean)) <= JPEG_MARKERS
    assert SECRET not in clean and b"ContohPhone" not in clean
    assert not Image.open(io.BytesIO(clean)).info.get("icc_profile")


def test_a_png_icc_profile_of_arbitrary_bytes_is_dropped_and_the_pixels_kept():
    junk = SECRET * 40
    chunk = b"junk\x00\x00" + zlib.compress(junk)
    data = png(400, 300, color_type=2, chunks=[(b"iCCP", chunk)])
    assert Image.open(io.BytesIO(data)).info["icc_profile"] == junk
    clean = stored(data, "image/png")
    assert set(png_chunks(clean)) <= PNG_CHUNKS
    assert SECRET not in clean
    assert Image.open(io.BytesIO(clean)).getpixel((10, 10)) == (0, 0, 0)


def test_png_text_chunks_and_exif_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())  # tEXt
    info.add_text("Author", SECRET.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", SECRET.decode(), lang="id", zip=False)  # iTXt
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 7.0, 12.5)}
    out = io.BytesIO()
    photo().save(out, format="PNG", pnginfo=info, exif=exif)
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} <= set(png_chunks(out.getvalue()))
    clean = stored(out.getvalue(), "image/png")
    assert set(png_chunks(clean)) <= PNG_CHUNKS
    assert SECRET not in clean


def test_a_real_profile_is_applied_before_it_is_dropped():
    """A CMYK scan's colours come out as sRGB pixels with no profile left."""
    out = io.BytesIO()
    Image.new("CMYK", (400, 300), (0, 255, 255, 0)).save(out, format="JPEG")  # pure red ink
    clean = stored(out.getvalue(), "image/jpeg")
    image = Image.open(io.BytesIO(clean))
    assert image.mode == "RGB" and "icc_profile" not in image.info
    red, green, blue = image.getpixel((200, 150))
    assert red > 200 and green < 60 and blue < 60


def test_the_photo_stays_the_right_way_up_without_its_orientation_tag():
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera stored it turned: shown upright by rotating 90 degrees
    out = io.BytesIO()
    photo(size=(640, 400)).save(out, format="JPEG", exif=exif)
    image = Image.open(io.BytesIO(stored(out.getvalue(), "image/jpeg")))
    assert image.size == (400, 640) and not image.getexif()
