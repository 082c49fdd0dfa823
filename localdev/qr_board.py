"""The QR board for the service desk: an A4 poster (PDF, SVG, PNG) with segno's QR code for the
site, the office name from settings (OFFICE_NAME), the five SOP steps and the link in text.

    python -m localdev.qr_board --url https://remisi.example.go.id/ --out qr-board/
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import segno

from shared.office import Office

TITLE = "Layanan Informasi Remisi"
STEPS = (
    "Pindai kode QR dengan kamera HP, atau buka tautan di bawah kode QR.",
    "Isi formulir dan unggah foto KTP Anda (JPG, PNG, atau PDF).",
    "Petugas memverifikasi data di SDP (sekitar 3 menit).",
    "Jika data tidak ada di SDP, Anda diberi tahu lewat WhatsApp dan email.",
    "Jika data ada, informasi dikirim lewat WhatsApp dan email.",
)
FREE = "Layanan tidak dipungut biaya."
A4_MM = (210, 297)


def board_url(url: str) -> str:
    """The site URL with `src=qr`, so visits from the board can be counted apart."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("the URL must be http(s)://host/…")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "src"] + [("src", "qr")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def make_pdf(path: Path, office: Office, url: str, qr: segno.QRCode) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(f"{TITLE} — {office.name}")
    c.setFont("Helvetica", 18)
    c.drawCentredString(width / 2, height - 25 * mm, office.name)
    c.setFont("Helvetica-Bold", 30)
    c.drawCentredString(width / 2, height - 40 * mm, TITLE)
    matrix = qr.matrix
    size = 110 * mm
    border = 4
    cell = size / (len(matrix) + 2 * border)
    left, top = (width - size) / 2, height - 50 * mm
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                c.rect(left + (x + border) * cell, top - (y + border + 1) * cell, cell, cell, 0, 1)
    c.setFont("Helvetica-Bold", 14)
    text_top = top - size - 10 * mm
    c.drawCentredString(width / 2, text_top, url)
    c.setFont("Helvetica", 13)
    for i, step in enumerate(STEPS):
        c.drawString(25 * mm, text_top - (14 + 9 * i) * mm, f"{i + 1}. {step}")
    c.setFont("Helvetica-Bold", 18)
    c.drawCentredString(width / 2, 20 * mm, FREE)
    c.showPage()
    c.save()


def make_svg(path: Path, office: Office, url: str, qr: segno.QRCode) -> None:
    w, h = A4_MM
    qr_size = 110
    module = qr_size / (len(qr.matrix) + 8)
    cells = "".join(
        f'<rect x="{(x + 4) * module:.3f}" y="{(y + 4) * module:.3f}" '
        f'width="{module:.3f}" height="{module:.3f}"/>'
        for y, row in enumerate(qr.matrix)
        for x, dark in enumerate(row)
        if dark
    )
    steps = "".join(
        f'<text x="25" y="{190 + 9 * i}" font-size="4.6">{i + 1}. {escape(s)}</text>'
        for i, s in enumerate(STEPS)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" font-family="sans-serif">'
        f"<title>{escape(TITLE)} — {escape(office.name)}</title>"
        f'<rect width="{w}" height="{h}" fill="#fff"/>'
        f'<text x="{w / 2}" y="25" font-size="6.4" text-anchor="middle">'
        f"{escape(office.name)}</text>"
        f'<text x="{w / 2}" y="40" font-size="10.5" font-weight="bold" text-anchor="middle">'
        f"{escape(TITLE)}</text>"
        f'<g transform="translate({(w - qr_size) / 2},50)">{cells}</g>'
        f'<text x="{w / 2}" y="175" font-size="5" font-weight="bold" text-anchor="middle">'
        f"{escape(url)}</text>{steps}"
        f'<text x="{w / 2}" y="277" font-size="6.4" font-weight="bold" text-anchor="middle">'
        f"{escape(FREE)}</text></svg>"
    )
    path.write_text(svg, encoding="utf-8")


def make_png(path: Path, office: Office, url: str, qr: segno.QRCode, dpi: int = 150) -> None:
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / 25.4
    w, h = round(A4_MM[0] * px), round(A4_MM[1] * px)
    image = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(image)

    def font(mm: float, bold: bool = False):
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        try:
            return ImageFont.truetype(name, round(mm * px))
        except OSError:
            return ImageFont.load_default(round(mm * px))

    draw.text((w / 2, 25 * px), office.name, font=font(6.4), anchor="ms", fill=0)
    draw.text((w / 2, 40 * px), TITLE, font=font(10.5, True), anchor="ms", fill=0)
    modules = len(qr.matrix) + 8
    scale = int(110 * px // modules)
    # segno's module matrix, drawn at whole pixels per module so scanners see sharp edges.
    code = Image.new("L", (modules * scale, modules * scale), 255)
    pen = ImageDraw.Draw(code)
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + 4) * scale, (y + 4) * scale
                pen.rectangle((left, top, left + scale - 1, top + scale - 1), fill=0)
    image.paste(code, ((w - code.width) // 2, round(50 * px)))
    draw.text((w / 2, 175 * px), url, font=font(5, True), anchor="ms", fill=0)
    for i, step in enumerate(STEPS):
        draw.text((25 * px, (190 + 9 * i) * px), f"{i + 1}. {step}", font=font(4.2), fill=0)
    draw.text((w / 2, 277 * px), FREE, font=font(6.4, True), anchor="ms", fill=0)
    image.save(path, dpi=(dpi, dpi))


def make_board(url: str, out: Path, office: Office | None = None) -> dict[str, Path]:
    office = office or Office.from_env()
    target = board_url(url)
    qr = segno.make(target, error="m", micro=False)
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / f"papan-qr-remisi.{kind}" for kind in ("pdf", "svg", "png")}
    make_pdf(paths["pdf"], office, target, qr)
    make_svg(paths["svg"], office, target, qr)
    make_png(paths["png"], office, target, qr)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", required=True, help="the public site, e.g. https://remisi.example.go.id/"
    )
    parser.add_argument("--out", type=Path, default=Path("qr-board"))
    args = parser.parse_args(argv)
    for kind, path in make_board(args.url, args.out).items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
