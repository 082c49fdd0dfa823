"""`make bench-ktp`: time and peak memory of the KTP check per kind of file, hostile ones too.

Each file is checked in a fresh Python process (the check's libraries imported first), so its
peak is that process's own resident high-water mark (VmHWM in /proc/self/status: Linux's
ru_maxrss, but of this program alone; ru_maxrss itself carries the parent's over exec) and
nothing earlier inflates it; the table shows that peak, the baseline before the check and
what the process still held after it (VmRSS: the memory handed back). Time is the median
of several checks in that process after one warm-up (an instance that has served one
upload), wall clock and CPU. One row checks four pixel bombs on four threads at once in one
process, as an instance with concurrent requests would. The files are made here, synthetic
(no real KTP).

The last line is machine-readable: max_accepted_peak_mb=… phone_jpeg_ms=… …
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_TARGET_MB = 150
PHONE_TARGET_MS = 60

# --- the files ------------------------------------------------------------------------------


def phone_jpeg(width: int = 4000, height: int = 3000, max_bytes: int = 2_000_000) -> bytes:
    """A 12 MP phone photo under 2 MB: photo-like texture, EXIF with GPS and a portrait
    orientation, an sRGB profile, the way an Android camera writes it."""
    from PIL import Image, ImageCms

    image = _texture(width, height)
    exif = Image.Exif()
    exif[0x010F] = "ContohPhone"
    exif[0x0112] = 6  # held upright: the pixels are stored turned
    exif[0x8825] = {1: "S", 2: (6.0, 7.0, 12.5), 3: "E", 4: (106.0, 9.0, 3.2)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for quality in range(90, 30, -4):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality, exif=exif, icc_profile=srgb)
        if len(out.getvalue()) <= max_bytes:
            return out.getvalue()
    raise RuntimeError("texture too busy for the size")


def phone_png(max_bytes: int = 2_000_000) -> bytes:
    """A PNG of about 2 MB: a photo-like screenshot, with text chunks."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "ContohPhone Screenshot")
    side = 1400
    while True:
        out = io.BytesIO()
        _texture(side, side * 3 // 4).save(out, format="PNG", pnginfo=info)
        if len(out.getvalue()) <= max_bytes:
            return out.getvalue()
        side -= 100


def _texture(width: int, height: int):
    from PIL import Image

    coarse = [
        Image.effect_noise((max(1, width // 4), max(1, height // 4)), s).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        for s in (60, 50, 70)
    ]
    gradient = Image.linear_gradient("L").resize((width, height))
    fine = Image.effect_noise((width, height), 12)
    channels = [Image.blend(Image.blend(c, gradient, 0.4), fine, 0.15) for c in coarse]
    return Image.merge("RGB", channels)


def pixel_bomb_jpeg(width: int = 10_000, height: int = 4_999) -> bytes:
    """The measured attack: a few KB whose header says 10000 x 4999 (just under 50 MP)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, format="JPEG", quality=20)
    return out.getvalue()


def progressive_bomb_jpeg(width: int = 8_000, height: int = 6_000) -> bytes:
    """48 MP progressive: libjpeg keeps every coefficient of the whole image while decoding."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, format="JPEG", quality=20, progressive=True)
    return out.getvalue()


def png(width: int, height: int, color_type: int = 2, bit_depth: int = 8, chunks=()) -> bytes:
    """A PNG written row by row (never whole in memory): uniform, so it compresses to little
    whatever its header says. `chunks`: extra (type, data) pairs before the image data."""
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    data = _zlib_repeated(b"\x00" + bytes(width * channels * bit_depth // 8), height)
    header = (width.to_bytes(4, "big") + height.to_bytes(4, "big")) + bytes(
        [bit_depth, color_type, 0, 0, 0]
    )
    body = [(b"IHDR", header), *chunks, (b"IDAT", data), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(kind, value) for kind, value in body)


def _zlib_repeated(row: bytes, times: int) -> bytes:
    """zlib data of `row` repeated: one block compressed once and written `times` times (after
    a full flush a block refers to nothing before it), so a bomb is made in milliseconds."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(row) + packer.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(times):
        adler = zlib.adler32(row, adler)
    return b"\x78\xda" + block * times + packer.flush() + adler.to_bytes(4, "big")


def _chunk(kind: bytes, value: bytes) -> bytes:
    crc = zlib.crc32(kind + value).to_bytes(4, "big")
    return len(value).to_bytes(4, "big") + kind + value + crc


def pixel_bomb_png() -> bytes:
    return png(9_000, 9_000, color_type=0)  # 81 MP by its header


def decompression_bomb_png() -> bytes:
    # Under the pixel limit by its header (49 MP), ~200 MB once decoded, 150 KB on the wire.
    return png(7_000, 7_000, color_type=2)


def pdf(pages: list[bytes], extra: dict | None = None, media=(595, 842), comment=b"") -> bytes:
    """A PDF written by hand: one content stream per page; `extra`: entries of the catalog,
    and objects (keys obj…) numbered after the pages; `comment`: a line after the header (a
    polyglot's HTML)."""
    extra = extra or {}
    objects: list[bytes] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    extra_objects = [value for key, value in extra.items() if key.startswith("obj")]
    catalog_entries = " ".join(f"/{k} {v}" for k, v in extra.items() if not k.startswith("obj"))
    objects.append(f"<< /Type /Catalog /Pages 2 0 R {catalog_entries} >>".encode())
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for number, content in zip(page_ids, pages, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {media[0]} {media[1]}] "
            f"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
            f">> >> /Contents {number + 1} 0 R >>".encode()
        )
        objects.append(_stream(content))
    objects.extend(v.encode() if isinstance(v, str) else v for v in extra_objects)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + comment)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _stream(content: bytes, dictionary: str = "") -> bytes:
    return f"<< /Length {len(content)} {dictionary}>>\nstream\n".encode() + content + b"\nendstream"


def page_text(text: str) -> bytes:
    return (
        b"0.1 0.3 0.6 rg 40 500 515 300 re f 0 0 0 rg BT /F1 28 Tf 60 740 Td ("
        + text.encode()
        + b") Tj ET"
    )


def two_page_pdf() -> bytes:
    return pdf([page_text("KARTU TANDA PENDUDUK"), page_text("HALAMAN 2")])


def many_page_pdf(pages: int = 300) -> bytes:
    return pdf([page_text(f"page {n}") for n in range(pages)])


def huge_page_pdf() -> bytes:
    # Past the specification's 200 inches: no scan is this size.
    return pdf([page_text("huge")], media=(200_000, 200_000))


def largest_page_pdf() -> bytes:
    # The largest page the specification allows: rendered no larger than the stored size.
    return pdf([page_text("large")], media=(14_400, 14_400))


def active_pdf() -> bytes:
    """JavaScript run on open, an embedded file, a launch action: what a viewer would run."""
    n = 5  # the first extra object's number (catalog, pages, one page and its stream first)
    return pdf(
        [page_text("KTP")],
        extra={
            "OpenAction": f"{n} 0 R",
            "Names": f"<< /JavaScript << /Names [(x) {n} 0 R] >> /EmbeddedFiles << /Names "
            f"[(ktp.exe) {n + 1} 0 R] >> >>",
            "obj1": "<< /S /JavaScript /JS (app.alert('pwned')) >>",
            "obj2": f"<< /Type /Filespec /F (ktp.exe) /EF << /F {n + 2} 0 R >> >>",
            "obj3": _stream(b"MZ\x90\x00 not really a program", "/Type /EmbeddedFile "),
        },
    )


def html_pdf() -> bytes:
    """A file that is a PDF to a PDF reader and an HTML page with a script to a browser."""
    html = b"%<html><body><script>alert(document.cookie)</script></body></html>\n"
    return pdf([page_text("KTP")], comment=html)


def image_bomb_pdf(width: int = 20_000, height: int = 20_000) -> bytes:
    """A page that draws one 400 MP image: 1.2 GB for pdfium to decode, ~1 MB in the file."""
    data = _zlib_repeated(bytes(width * 3), height)
    n = 5
    image = _stream(
        data,
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
        "/DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode ",
    )
    body = pdf([b"q 500 0 0 700 40 60 cm /Im1 Do Q"], extra={"obj1": image})
    # The page's resources name the image.
    return body.replace(
        b"/Resources << /Font",
        f"/Resources << /XObject << /Im1 {n} 0 R >> /Font".encode(),
        1,
    )


def soft_mask_bomb_pdf(width: int = 12_000, height: int = 12_000) -> bytes:
    """A 10 x 10 image whose soft mask is 144 MP: pdfium decodes the mask in full, and its own
    count of a page's images sees only the 100 pixels."""
    mask = _stream(
        _zlib_repeated(bytes(width), height),
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
        "/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode ",
    )
    image = _stream(
        _zlib_repeated(bytes(30), 10),
        "/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceRGB "
        "/BitsPerComponent 8 /SMask 6 0 R /Filter /FlateDecode ",
    )
    body = pdf([b"q 500 0 0 700 40 60 cm /Im1 Do Q"], extra={"obj1": image, "obj2": mask})
    return body.replace(b"/Resources << /Font", b"/Resources << /XObject << /Im1 5 0 R >> /Font", 1)


KINDS = {
    # name: (maker, declared type, hostile)
    "phone JPEG 12 MP ~2 MB": (phone_jpeg, "image/jpeg", False),
    "PNG ~2 MB": (phone_png, "image/png", False),
    "PDF, 2 pages": (two_page_pdf, "application/pdf", False),
    "pixel-bomb JPEG 10000x4999": (pixel_bomb_jpeg, "image/jpeg", True),
    "progressive JPEG 48 MP": (progressive_bomb_jpeg, "image/jpeg", True),
    "pixel-bomb PNG 81 MP": (pixel_bomb_png, "image/png", True),
    "decompression-bomb PNG 49 MP": (decompression_bomb_png, "image/png", True),
    "PDF page of 200 in (largest legal)": (largest_page_pdf, "application/pdf", True),
    "PDF page of 2,800 in": (huge_page_pdf, "application/pdf", True),
    "PDF, 300 pages": (many_page_pdf, "application/pdf", True),
    "PDF with JavaScript, action, attachment": (active_pdf, "application/pdf", True),
    "PDF that is also HTML": (html_pdf, "application/pdf", True),
    "PDF drawing a 400 MP image": (image_bomb_pdf, "application/pdf", True),
    "PDF image with a 144 MP soft mask": (soft_mask_bomb_pdf, "application/pdf", True),
}
PHONE = "phone JPEG 12 MP ~2 MB"
CONCURRENT = "4 pixel-bomb JPEGs at once (threads)"

# --- measuring, in a fresh process per file ----------------------------------------------------

CHILD = r"""
import json, statistics, sys, threading, time
import PIL.Image, PIL.JpegImagePlugin, PIL.PngImagePlugin, PIL.ImageCms, pypdfium2
from shared.ktp_inspection import inspect_ktp

def status_mb(field):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024

def maxrss_mb():
    return status_mb("VmHWM")

def rss_mb():
    return status_mb("VmRSS")

path, declared, repeats, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(path, "rb").read()
base = maxrss_mb()
walls, cpus, results = [], [], []
if threads > 1:
    start, cpu = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=lambda: results.append(inspect_ktp(data, declared)))
               for _ in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    walls.append(time.perf_counter() - start)
    cpus.append(time.process_time() - cpu)  # of the four together
else:
    for _ in range(repeats + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        results.append(inspect_ktp(data, declared))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    if repeats:
        walls, cpus = walls[1:], cpus[1:]  # the first check warms the instance
result = results[0]
print(json.dumps({
    "accepted": result.accepted, "code": result.rejection_code,
    "pages": len(result.pages), "stored_kb": result.size / 1024,
    "ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000,
    "base_mb": base, "peak_mb": maxrss_mb(), "after_mb": rss_mb(),
}))
"""


def measure(path: Path, declared: str, repeats: int, threads: int = 1) -> dict:
    answer = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), declared, str(repeats), str(threads)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=300,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed checks per file")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ktp-") as folder:
        for name, (make, declared, hostile) in KINDS.items():
            path = Path(folder) / f"{len(rows)}.bin"
            path.write_bytes(make())
            result = measure(path, declared, args.repeats if not hostile else 3)
            rows.append((name, path.stat().st_size, hostile, result))
        bomb = Path(folder) / "3.bin"
        rows.append(
            (CONCURRENT, bomb.stat().st_size, True, measure(bomb, "image/jpeg", 0, threads=4))
        )
    print("KTP check, each file in a fresh process; peak = VmHWM of that process (its maxrss)")
    print(f"(python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at the end)\n")
    header = (
        "| file | size KB | outcome | stored | ms (median) | CPU ms "
        "| base MB | peak MB | after MB |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name, size, _, r in rows:
        outcome = "accepted" if r["accepted"] else f"refused: {r['code']}"
        stored = f"{r['pages']} image(s), {r['stored_kb']:.0f} KB" if r["accepted"] else "-"
        print(
            f"| {name} | {size / 1024:.0f} | {outcome} | {stored} | {r['ms']:.0f} | "
            f"{r['cpu_ms']:.0f} | {r['base_mb']:.0f} | {r['peak_mb']:.0f} | {r['after_mb']:.0f} |"
        )
    accepted = [r for _, _, _, r in rows if r["accepted"]]
    phone = next(r for name, _, _, r in rows if name == PHONE)
    hostile_accepted_pdf = [
        r for name, _, hostile, r in rows if hostile and r["accepted"] and "PDF" in name
    ]
    figures = {
        "max_accepted_peak_mb": f"{max(r['peak_mb'] for r in accepted):.0f}",
        "max_peak_mb": f"{max(r['peak_mb'] for _, _, _, r in rows):.0f}",
        "phone_jpeg_ms": f"{phone['ms']:.0f}",
        "phone_jpeg_cpu_ms": f"{phone['cpu_ms']:.0f}",
        "concurrent_bombs_peak_mb": f"{rows[-1][3]['peak_mb']:.0f}",
        "hostile_refused": sum(1 for _, _, h, r in rows if h and not r["accepted"]),
        "hostile_pdfs_stored_as_images": len(hostile_accepted_pdf),
        "peak_target_mb": PEAK_TARGET_MB,
        "phone_target_ms": PHONE_TARGET_MS,
        "memory": "vmhwm_fresh_process",
    }
    print()
    print(" ".join(f"{key}={value}" for key, value in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
