"""The monthly report as SVG charts (made here: no chart library, no script), CSV and XLSX;
the audit trail as CSV."""

from __future__ import annotations

import csv
import io

from markupsafe import Markup, escape

from shared.domain.labels import INFORMATION_LABELS, RELATIONSHIP_LABELS
from shared.domain.reports import OUTCOME_LABELS, STEP_LABELS, MonthlyReport, duration_text
from shared.service_layer.ports import AuditEvent


def bar_chart(values: list[tuple[str, int]], title: str, width: int = 720, height: int = 200):
    """Vertical bars with a label under every bar (or every 5th when there are many)."""
    top = max((v for _, v in values), default=0) or 1
    left, bottom, gap = 30, 28, 2
    bar = max(2, (width - left) // max(1, len(values)) - gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
        f'<text x="0" y="12" font-size="11">{top}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#8a96a3"/>',
    ]
    every = 1 if len(values) <= 12 else 5
    for index, (label, value) in enumerate(values):
        h = int((height - bottom - 16) * value / top)
        x = left + index * (bar + gap)
        parts.append(
            f'<rect x="{x}" y="{height - bottom - h}" width="{bar}" height="{h}" fill="#0b3d62">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if index % every == 0 or every == 1:
            parts.append(
                f'<text x="{x}" y="{height - bottom + 14}" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def horizontal_bar_chart(values: list[tuple[str, int]], title: str, width: int = 720):
    """One row per value, its label in a column of its own at the left: long labels (the
    outcomes) never run into each other as they do under narrow vertical bars."""
    top = max((v for _, v in values), default=0) or 1
    row, font = 26, 12
    # Wide enough for the longest label at about 0.62 em per character of the system font.
    label_width = 12 + int(max((len(label) for label, _ in values), default=0) * font * 0.62)
    bars = width - label_width - 48
    height = row * len(values) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(values):
        y = 4 + index * row
        length = int(bars * value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" font-size="{font}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" '
            f'fill="#0b3d62"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="{font}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def rows(report: MonthlyReport) -> list[tuple[str, str, object]]:
    """(section, item, value) rows: the same content for the page, CSV and XLSX."""
    out = [("ringkasan", "bulan", report.month), ("ringkasan", "jumlah permohonan", report.total)]
    out.append(("ringkasan", "diputuskan (ditemukan/tidak)", report.decided))
    for label, part in (
        ("dalam 3 menit (target verifikasi) %", report.within_verification),
        ("dalam 8 menit (target SOP) %", report.within_sop),
    ):
        percent = report.percent(part)
        out.append(("kepatuhan SLA", label, "-" if percent is None else percent))
    for key, label in OUTCOME_LABELS.items():
        out.append(("hasil", label, report.outcomes.get(key, 0)))
    for key, count in report.relationships.items():
        out.append(("hubungan", RELATIONSHIP_LABELS.get(key, key), count))
    for key, count in report.information.items():
        out.append(("informasi diminta", INFORMATION_LABELS.get(key, key), count))
    for key, label in STEP_LABELS.items():
        out.append(("median waktu", label, duration_text(report.step_medians.get(key))))
    for day, count in report.by_day:
        out.append(("harian", day.isoformat(), count))
    return out


def as_csv(table) -> str:
    return _csv(["bagian", "butir", "nilai"], table)


def audit_csv(events: list[AuditEvent]) -> str:
    def row(e: AuditEvent):
        details = " ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        return [_cell(v) for v in (e.at.isoformat(), e.actor, e.action, e.target, details)]

    return _csv(["waktu_utc", "pelaku", "tindakan", "sasaran", "rincian"], map(row, events))


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: list[str], table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(table)
    return out.getvalue()


def as_xlsx(table, month: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Laporan {month}"
    sheet.append(["bagian", "butir", "nilai"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for section, item, value in table:
        sheet.append([section, item, value])
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 44
    sheet.column_dimensions["C"].width = 14
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
