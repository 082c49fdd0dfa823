"""The satisfaction survey's report (SKM) for Operator Remisi and Admin: per period each
element's NRR, the index, the IKM and its category, the respondents against the sample the
regulation's table asks, the profile, the suggestions; an SVG chart made here (no library, no
script) and CSV/XLSX downloads, each an audit event."""

from __future__ import annotations

import flask
from markupsafe import Markup, escape

from shared.domain import skm
from shared.domain.accounts import Permission
from shared.operator_web import report_files
from shared.operator_web.router import RouteTable
from shared.operator_web.web import Context, invalid, not_found, render
from shared.service_layer import audit_trail, survey

routes = RouteTable()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_PERIOD = "Periode ditulis seperti 2026-11 (bulan), 2026-Q4, 2026-S2, atau 2026."
KINDS = (("month", "Bulan ini"), ("quarter", "Triwulan ini"), ("semester", "Semester ini"))
KINDS += (("year", "Tahun ini"),)


def _report(ctx: Context) -> skm.SkmReport | None:
    period = ctx.request.args.get("periode") or survey.current_period(ctx.deps)
    try:
        return survey.report(ctx.deps, period[:10])
    except ValueError:
        return None


def nrr_chart(result: skm.SkmReport, width: int = 720) -> Markup:
    """One bar per element on the 1-4 scale, its NRR written beside it."""
    row, font, label_width = 26, 12, 300
    bars = width - label_width - 56
    height = row * len(result.elements) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>Nilai rata-rata per unsur, {escape(result.period.label)}</title>"
    ]
    for index, e in enumerate(result.elements):
        y = 4 + index * row
        value = float(e.nrr) if result.respondents else 0.0
        shown = str(skm.rounded(e.nrr, 3)) if result.respondents else "-"
        length = int(bars * value / 4)
        label = f"{e.element.code.upper()} {e.element.label}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" font-size="{font}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" '
            f'fill="#0b3d62"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="{font}">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


@routes.get("/survey", Permission.REPORTS)
def survey_page(ctx: Context) -> flask.Response:
    result = _report(ctx)
    if result is None:
        return invalid(ctx, BAD_PERIOD)
    table = skm.rows(result, with_suggestions=False)
    return render(
        ctx,
        "survey.html",
        report=result,
        table=table,
        chart=nrr_chart(result),
        index_text="-" if result.index is None else str(skm.rounded(result.index, 4)),
        shortcuts=[(survey.current_period(ctx.deps, kind), label) for kind, label in KINDS],
        categories=skm.CATEGORIES,
    )


@routes.get("/survey.<kind>", Permission.REPORTS, "/survey.csv")
def survey_file(ctx: Context) -> flask.Response:
    kind = ctx.params["kind"]
    if kind not in ("csv", "xlsx"):
        return not_found(ctx)
    result = _report(ctx)
    if result is None:
        return invalid(ctx, BAD_PERIOD)
    audit_trail.audit(
        ctx.deps,
        ctx.operator.username,
        "report_exported",
        report="skm",
        period=result.period.code,
        kind=kind,
    )
    table = skm.rows(result)
    name = f"survei-kepuasan-{result.period.code}.{kind}"
    if kind == "csv":
        response = flask.Response(report_files.as_csv(table), mimetype="text/csv")
    else:
        response = flask.Response(
            report_files.as_xlsx(table, f"SKM {result.period.code}"), mimetype=XLSX
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
