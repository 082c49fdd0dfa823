"""The QR board: the printed code leads to the site with src=qr; the office comes from settings."""

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from localdev.qr_board import FREE, STEPS, board_url, make_board
from shared.office import Office


def test_board_url_marks_the_source_once():
    assert board_url("https://remisi.example.id") == "https://remisi.example.id/?src=qr"
    assert board_url("https://x.id/a?lang=en&src=poster") == "https://x.id/a?lang=en&src=qr"


def test_the_png_qr_decodes_to_the_site_and_every_format_carries_the_text(tmp_path):
    office = Office.from_env({"OFFICE_NAME": "Kanwil Ditjenpas Contoh"})
    paths = make_board("https://remisi.example.id/", tmp_path, office)
    results = zxingcpp.read_barcodes(Image.open(paths["png"]))
    assert [r.text for r in results] == ["https://remisi.example.id/?src=qr"]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode

    pdf = PdfReader(paths["pdf"])
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf.pages[0].extract_text()
    for expected in (
        "Kanwil Ditjenpas Contoh",
        "Layanan Informasi Remisi",
        FREE,
        STEPS[2],
        "https://remisi.example.id/?src=qr",
    ):
        assert expected in text, expected
    svg = paths["svg"].read_text()
    assert "Kanwil Ditjenpas Contoh" in svg and FREE in svg and 'width="210mm"' in svg


def _lines_with_heights(path) -> dict[str, float]:
    """Each text line of the PDF and how high on the page it is drawn (points from the bottom)."""
    found: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found[text.strip()] = tm[5]

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return found


def test_the_first_step_says_where_the_link_is_and_any_phone_camera_reads_the_code(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    paths = make_board("https://remisi.example.id/", tmp_path, Office.from_env({}))
    heights = _lines_with_heights(paths["pdf"])
    link = heights["https://remisi.example.id/?src=qr"]
    first = heights[f"1. {STEPS[0]}"]
    # The link is printed right under the code, above the steps: the step must say so.
    assert "di bawah kode QR" in STEPS[0] and link > first
    assert not any("Android" in step for step in STEPS)  # every phone camera reads a QR code
    for number, step in enumerate(STEPS, start=1):
        # Drawn from 25 mm, each step must end inside the opposite 25 mm margin.
        assert stringWidth(f"{number}. {step}", "Helvetica", 13) <= A4[0] - 50 * mm, step
