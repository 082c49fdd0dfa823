"""Reports and audit: the monthly report with its charts and downloads, and the audit trail
with its CSV export. Every download is an audit event."""

from __future__ import annotations

import flask

from shared.domain.accounts import Permission
from shared.domain.labels import AUDIT_ACTION_LABELS
from shared.domain.reports import OUTCOME_LABELS, MonthlyReport
from shared.operator_web import report_files
from shared.operator_web.router import RouteTable
from shared.operator_web.web import Context, invalid, not_found, render
from shared.service_layer import audit_trail, complaints, review

routes = RouteTable()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_MONTH = "Bulan ditulis seperti 2026-11."


def _report(ctx: Context) -> MonthlyReport | None:
    month = ctx.request.args.get("month") or review.current_month(ctx.deps)
    try:
        return review.month_report(ctx.deps, month)
    except ValueError:
        return None


def _percent(report: MonthlyReport, part: int) -> str:
    value = report.percent(part)
    return "-" if value is None else f"{value} %"


@routes.get("/reports", Permission.REPORTS)
def reports_page(ctx: Context) -> flask.Response:
    report = _report(ctx)
    if report is None:
        return invalid(ctx, BAD_MONTH)
    return render(
        ctx,
        "reports.html",
        report=report,
        table=report_files.rows(report),
        sla_verification=_percent(report, report.within_verification),
        sla_sop=_percent(report, report.within_sop),
        daily_chart=report_files.bar_chart(
            [(f"{d.day}", n) for d, n in report.by_day], "Permohonan per hari"
        ),
        outcome_chart=report_files.horizontal_bar_chart(
            [(OUTCOME_LABELS[k], n) for k, n in report.outcomes.items()],
            "Hasil permohonan",
        ),
        # Complaints of the month: their own section (shared.domain.complaint_reports).
        complaint_month=complaints.month_figures(ctx.deps, report.month),
    )


@routes.get("/reports.<kind>", Permission.REPORTS, "/reports.csv")
def report_file(ctx: Context) -> flask.Response:
    kind = ctx.params["kind"]
    if kind not in ("csv", "xlsx"):
        return not_found(ctx)
    report = _report(ctx)
    if report is None:
        return invalid(ctx, BAD_MONTH)
    audit_trail.audit(
        ctx.deps, ctx.operator.username, "report_exported", month=report.month, kind=kind
    )
    table = report_files.rows(report)
    if kind == "csv":
        response = flask.Response(report_files.as_csv(table), mimetype="text/csv")
    else:
        response = flask.Response(report_files.as_xlsx(table, report.month), mimetype=XLSX)
    return _attachment(response, f"laporan-remisi-{report.month}.{kind}")


@routes.get("/admin/audit", Permission.AUDIT)
def audit_page(ctx: Context) -> flask.Response:
    args = ctx.request.args
    actor = args.get("actor", "").strip()[:40]
    action = args.get("action", "").strip()[:40]
    target = args.get("target", "").strip()[:80]
    events = audit_trail.search(ctx.deps, actor=actor, action=action, target=target)
    return render(
        ctx,
        "audit.html",
        events=audit_trail.readable(ctx.deps, events),
        actions=AUDIT_ACTION_LABELS,
        actor=actor,
        action=action,
        target=target,
    )


@routes.get("/admin/audit.csv", Permission.AUDIT)
def audit_csv(ctx: Context) -> flask.Response:
    events = audit_trail.export(ctx.deps, ctx.operator)
    response = flask.Response(report_files.audit_csv(events), mimetype="text/csv")
    return _attachment(response, "jejak-audit.csv")


def _attachment(response: flask.Response, name: str) -> flask.Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
