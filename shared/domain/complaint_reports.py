"""Monthly complaint figures for the report page: received, answered, answered within the SLA,
still open (and of those, already late), per category. Aggregates only: no name, contact or
text leaves this module."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.complaints import (
    CATEGORY_LABELS,
    Category,
    Complaint,
    ComplaintStatus,
    complaint_clock,
)
from shared.domain.sla import OfficeHours


@dataclass(frozen=True)
class ComplaintMonth:
    month: str
    answer_days: int
    received: int = 0
    answered: int = 0
    answered_within: int = 0
    open: int = 0
    open_late: int = 0
    linked: int = 0  # tied to a verified tracking code
    by_category: dict[Category, int] = field(default_factory=dict)

    @property
    def within_percent(self) -> float | None:
        """Answered within the SLA, of those answered; None when none was."""
        if not self.answered:
            return None
        return round(100 * self.answered_within / self.answered, 1)

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, item, value) rows, as the request report's tables are shaped."""
        percent = self.within_percent
        rows = [
            ("pengaduan", "Diterima", str(self.received)),
            ("pengaduan", "Dijawab", str(self.answered)),
            (
                "pengaduan",
                f"Dijawab dalam {self.answer_days} hari kerja",
                f"{self.answered_within} ({'-' if percent is None else f'{percent} %'})",
            ),
            ("pengaduan", "Belum dijawab", str(self.open)),
            ("pengaduan", "Belum dijawab, melewati target", str(self.open_late)),
            ("pengaduan", "Terkait kode pelacakan", str(self.linked)),
        ]
        rows += [
            ("pengaduan per kategori", CATEGORY_LABELS[c]["id"], str(self.by_category.get(c, 0)))
            for c in Category
        ]
        return rows


def complaint_month(
    month: str,
    complaints: list[Complaint],
    hours: OfficeHours,
    answer_days: int,
    now: datetime,
) -> ComplaintMonth:
    """The figures of the complaints that arrived in `month` (the caller reads those), each
    answer measured on the SLA clock of the queue itself."""
    answered = within = still_open = late = linked = 0
    categories: Counter[Category] = Counter()
    for complaint in complaints:
        categories[complaint.category] += 1
        linked += complaint.request_id is not None
        clock = complaint_clock(complaint, hours, answer_days, now)
        if complaint.status is ComplaintStatus.ANSWERED:
            answered += 1
            within += clock.within
        else:
            still_open += 1
            late += not clock.within
    return ComplaintMonth(
        month=month,
        answer_days=answer_days,
        received=len(complaints),
        answered=answered,
        answered_within=within,
        open=still_open,
        open_late=late,
        linked=linked,
        by_category={c: categories[c] for c in Category},
    )
