"""Survei Kepuasan Masyarakat (SKM) as PermenPANRB 14/2017 sets it out, pure Python.

The regulation's method (Lampiran, "Pengolahan data"): nine elements (unsur), each answered on
a four-point scale (1 = tidak baik / tidak sesuai ... 4 = sangat baik / sangat sesuai); each
element's average (NRR, nilai rata-rata) over the respondents; the index is the weighted sum
of the NRRs with equal weights (the regulation writes the weight 1/9 as 0,11; here it is the
exact fraction, so the index is the plain mean of the nine NRRs); the IKM is the index x 25,
on 25-100, and its quality category follows the regulation's conversion intervals:

    nilai persepsi | interval IKM      | interval konversi | mutu | kinerja unit
    1              | 1,00   - 2,5996   | 25,00 - 64,99     | D    | Tidak baik
    2              | 2,60   - 3,064    | 65,00 - 76,60     | C    | Kurang baik
    3              | 3,0644 - 3,532    | 76,61 - 88,30     | B    | Baik
    4              | 3,5324 - 4,00     | 88,31 - 100,00    | A    | Sangat baik

The respondents a period needs come from the regulation's sample table (Krejcie and Morgan,
1970: 95 % confidence, 5 % margin, p = 0.5) for the period's population, the requests served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

SCALE = (1, 2, 3, 4)
SERVICE = "informasi_remisi"
SERVICE_LABEL = "Pelayanan Informasi Remisi"
SUGGESTION_MAX = 1000


@dataclass(frozen=True)
class Element:
    code: str
    label: str
    question: str
    choices: tuple[str, str, str, str]  # the wording of 1, 2, 3, 4


# The nine elements in the regulation's order, with the questionnaire's wording per element.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "u1",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        "u2",
        "Sistem, mekanisme, dan prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Element(
        "u3",
        "Waktu penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Element(
        "u4",
        "Biaya/tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Element(
        "u5",
        "Produk spesifikasi jenis pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        "u6",
        "Kompetensi pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Element(
        "u7",
        "Perilaku pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    Element(
        "u8",
        "Penanganan pengaduan, saran, dan masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran, dan masukan "
        "pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    Element(
        "u9",
        "Sarana dan prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana (di sini: situs, "
        "formulir, dan pesan WhatsApp/email)?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
)
ELEMENT_CODES = tuple(e.code for e in ELEMENTS)

# A courtesy translation for requesters who chose English (the regulation's text is the above).
ELEMENTS_EN: dict[str, tuple[str, str, tuple[str, str, str, str]]] = {
    "u1": (
        "Requirements",
        "How well do the service's requirements fit the kind of service?",
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    "u2": (
        "System, mechanism and procedure",
        "How easy is the service's procedure at this unit?",
        ("Not easy", "Less easy", "Easy", "Very easy"),
    ),
    "u3": (
        "Completion time",
        "How fast was the service given?",
        ("Not fast", "Less fast", "Fast", "Very fast"),
    ),
    "u4": (
        "Cost/fee",
        "How fair is the cost/fee of the service?",
        ("Very expensive", "Quite expensive", "Cheap", "Free"),
    ),
    "u5": (
        "Product of the service",
        "How well does what you received match what the service standard promises?",
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    "u6": (
        "Competence of the staff",
        "How competent were the officers in giving the service?",
        ("Not competent", "Less competent", "Competent", "Very competent"),
    ),
    "u7": (
        "Conduct of the staff",
        "How polite and friendly were the officers?",
        (
            "Not polite and friendly",
            "Less polite and friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ),
    ),
    "u8": (
        "Handling of complaints, suggestions and feedback",
        "How are complaints, suggestions and feedback of service users handled?",
        ("None", "Exists but does not work", "Works, not fully", "Well managed"),
    ),
    "u9": (
        "Facilities",
        "How good are the facilities (here: the site, the form and the WhatsApp/email messages)?",
        ("Poor", "Fair", "Good", "Very good"),
    ),
}

# The respondent profile the regulation's questionnaire asks (age as bands here: no birth year
# is kept next to the answers).
PROFILE: dict[str, dict[str, str]] = {
    "age_band": {
        "17-24": "17–24 tahun",
        "25-34": "25–34 tahun",
        "35-44": "35–44 tahun",
        "45-54": "45–54 tahun",
        "55-64": "55–64 tahun",
        "65+": "65 tahun ke atas",
    },
    "sex": {"l": "Laki-laki", "p": "Perempuan"},
    "education": {
        "sd": "SD ke bawah",
        "smp": "SMP",
        "sma": "SMA/sederajat",
        "diploma": "D1/D2/D3/D4",
        "s1": "S1",
        "s2": "S2",
        "s3": "S3",
    },
    "occupation": {
        "pns": "PNS",
        "tni": "TNI",
        "polri": "POLRI",
        "swasta": "Pegawai swasta",
        "wirausaha": "Wirausaha",
        "lainnya": "Lainnya",
    },
}
PROFILE_EN: dict[str, dict[str, str]] = {
    "age_band": {"17-24": "17–24 years", "25-34": "25–34 years", "35-44": "35–44 years"}
    | {"45-54": "45–54 years", "55-64": "55–64 years", "65+": "65 years or more"},
    "sex": {"l": "Male", "p": "Female"},
    "education": {"sd": "Primary school or less", "smp": "Junior high school"}
    | {"sma": "Senior high school", "diploma": "Diploma (D1–D4)", "s1": "Bachelor (S1)"}
    | {"s2": "Master (S2)", "s3": "Doctorate (S3)"},
    "occupation": {"pns": "Civil servant", "tni": "Armed forces", "polri": "Police"}
    | {"swasta": "Private employee", "wirausaha": "Self-employed", "lainnya": "Other"},
}
PROFILE_LABELS_EN = {
    "age_band": "Age",
    "sex": "Sex",
    "education": "Highest education",
    "occupation": "Main occupation",
}
PROFILE_LABELS = {
    "age_band": "Usia",
    "sex": "Jenis kelamin",
    "education": "Pendidikan terakhir",
    "occupation": "Pekerjaan utama",
}


# --- the conversion intervals ----------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    grade: str
    label: str
    low: Decimal  # lowest converted value (IKM) in this category, two decimals


CATEGORIES = (
    Category("A", "Sangat Baik", Decimal("88.31")),
    Category("B", "Baik", Decimal("76.61")),
    Category("C", "Kurang Baik", Decimal("65.00")),
    Category("D", "Tidak Baik", Decimal("25.00")),
)


def rounded(value: Fraction | Decimal | float, places: int = 2) -> Decimal:
    """Half up, as the regulation's tables are read (88,305 is 88,31)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def category(ikm: Decimal | Fraction | float) -> Category:
    """The quality category of an IKM on 25-100 (compared at two decimals, as published)."""
    value = rounded(ikm)
    if not Decimal("25.00") <= value <= Decimal("100.00"):
        raise ValueError(f"an IKM is between 25 and 100, not {value}")
    for candidate in CATEGORIES:
        if value >= candidate.low:
            return candidate
    raise AssertionError("unreachable")


# --- the sample table --------------------------------------------------------------------------

# (population, sample) rows of the regulation's table; a population between two rows needs the
# sample of the next larger row (never fewer than the table asks).
SAMPLE_TABLE: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40),
    (50, 44), (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70),
    (90, 73), (95, 76), (100, 80), (110, 86), (120, 92), (130, 97), (140, 103), (150, 108),
    (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136), (220, 140),
    (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162), (290, 165),
    (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201),
    (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242),
    (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278),
    (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306), (1600, 310),
    (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327), (2400, 331),
    (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354),
    (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370),
    (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382),
    (100000, 383), (1000000, 384),
)  # fmt: skip


def required_sample(population: int) -> int:
    """Respondents the table asks for `population` served: all of them up to 10."""
    if population <= 0:
        return 0
    if population <= SAMPLE_TABLE[0][0]:
        return population
    for rows_population, sample in SAMPLE_TABLE:
        if population <= rows_population:
            return sample
    return SAMPLE_TABLE[-1][1]


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month (2026-12), quarter (2026-Q4), semester (2026-S2) or year (2026)."""

    code: str
    label: str
    months: tuple[str, ...]  # YYYY-MM, the answers' own period

    @property
    def start(self) -> date:
        return date.fromisoformat(self.months[0] + "-01")

    @property
    def end(self) -> date:
        """The first day after the period."""
        year, month = map(int, self.months[-1].split("-"))
        return date(year + month // 12, month % 12 + 1, 1)


MONTH_NAMES = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|S([12])))?$")


def period(code: str) -> Period:
    match = _PERIOD.match(code.strip().upper()) if isinstance(code, str) else None
    if not match:
        raise ValueError("a period is 2026-12, 2026-Q4, 2026-S2 or 2026")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError("year out of range")
    month, quarter, semester = match.group(2), match.group(3), match.group(4)
    if month:
        m = int(month)
        if not 1 <= m <= 12:
            raise ValueError("month out of range")
        first, count, label = m, 1, f"{MONTH_NAMES[m - 1]} {year}"
        code = f"{year}-{m:02d}"
    elif quarter:
        first, count, label = 3 * int(quarter) - 2, 3, f"Triwulan {quarter} {year}"
        code = f"{year}-Q{quarter}"
    elif semester:
        first, count, label = 6 * int(semester) - 5, 6, f"Semester {semester} {year}"
        code = f"{year}-S{semester}"
    else:
        first, count, label, code = 1, 12, f"Tahun {year}", str(year)
    months = tuple(f"{year}-{m:02d}" for m in range(first, first + count))
    return Period(code, label, months)


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


# --- invitations -----------------------------------------------------------------------------


@dataclass
class SurveyInvitation:
    """A survey link's stored half: the hash of its token (the token itself is never stored),
    the service, and how long it may be used. Nothing in it names the request."""

    token_hash: str
    service: str
    created_at: datetime
    expires_at: datetime
    used: bool = False

    def state(self, now: datetime) -> str:
        if self.used:
            return "used"
        return "expired" if now >= self.expires_at else "open"


# --- answers ---------------------------------------------------------------------------------


class InvalidAnswers(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


@dataclass(frozen=True)
class SurveyAnswer:
    """One respondent's answers: the period (month) and the service only, nothing that leads
    back to the request or the person."""

    answer_id: str
    period: str  # YYYY-MM
    service: str
    scores: dict[str, int]
    profile: dict[str, str]
    suggestion: str = ""


def clean_answers(payload: dict) -> tuple[dict[str, int], dict[str, str], str]:
    """The scores, the profile and the suggestion from a POST body; raises InvalidAnswers
    with an Indonesian message per field."""
    errors: dict[str, str] = {}
    raw_scores = payload.get("answers")
    raw_scores = raw_scores if isinstance(raw_scores, dict) else {}
    scores = {}
    for element in ELEMENTS:
        value = raw_scores.get(element.code)
        if isinstance(value, bool) or value not in SCALE:
            errors[element.code] = f"Pilih salah satu jawaban untuk {element.label}."
        else:
            scores[element.code] = int(value)
    raw_profile = payload.get("profile")
    raw_profile = raw_profile if isinstance(raw_profile, dict) else {}
    profile = {}
    for key, options in PROFILE.items():
        value = raw_profile.get(key)
        if not isinstance(value, str) or value not in options:
            errors[key] = f"Pilih {PROFILE_LABELS[key].lower()}."
        else:
            profile[key] = value
    suggestion = payload.get("suggestion", "")
    if suggestion is None:
        suggestion = ""
    if not isinstance(suggestion, str):
        errors["suggestion"] = "Saran ditulis sebagai teks."
        suggestion = ""
    # Control characters are dropped (a line break is kept); the text is escaped where shown.
    suggestion = "".join(c for c in suggestion if c == "\n" or c.isprintable()).strip()
    if len(suggestion) > SUGGESTION_MAX:
        errors["suggestion"] = f"Saran paling banyak {SUGGESTION_MAX} karakter."
    if errors:
        raise InvalidAnswers(errors)
    return scores, profile, suggestion


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementResult:
    element: Element
    total: int
    nrr: Fraction  # exact; shown with `rounded(..., 3)`
    weighted: Fraction  # nrr x 1/9


@dataclass(frozen=True)
class SkmReport:
    period: Period
    service: str
    respondents: int
    population: int  # requests served in the period
    required: int  # the sample table's size for that population
    elements: tuple[ElementResult, ...]
    index: Fraction | None  # 1-4
    ikm: Decimal | None  # 25-100, two decimals
    category: Category | None
    profile: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestions: tuple[str, ...] = ()

    @property
    def sample_met(self) -> bool:
        return self.respondents >= self.required


WEIGHT = Fraction(1, len(ELEMENTS))


def report(
    answers: list[SurveyAnswer], period_: Period, population: int, service: str = SERVICE
) -> SkmReport:
    mine = [a for a in answers if a.period in period_.months and a.service == service]
    count = len(mine)
    elements = []
    for element in ELEMENTS:
        total = sum(a.scores[element.code] for a in mine)
        nrr = Fraction(total, count) if count else Fraction(0)
        elements.append(ElementResult(element, total, nrr, nrr * WEIGHT))
    index = sum((e.weighted for e in elements), Fraction(0)) if count else None
    ikm = rounded(index * 25) if index is not None else None
    profile = {
        key: {option: sum(1 for a in mine if a.profile.get(key) == option) for option in options}
        for key, options in PROFILE.items()
    }
    return SkmReport(
        period=period_,
        service=service,
        respondents=count,
        population=population,
        required=required_sample(population),
        elements=tuple(elements),
        index=index,
        ikm=ikm,
        category=category(ikm) if ikm is not None else None,
        profile=profile,
        suggestions=tuple(a.suggestion for a in mine if a.suggestion),
    )


def rows(result: SkmReport, with_suggestions: bool = True) -> list[tuple[str, str, object]]:
    """(section, item, value): the same content for the page, CSV, XLSX."""
    out: list[tuple[str, str, object]] = [
        ("ringkasan", "periode", result.period.label),
        ("ringkasan", "layanan", SERVICE_LABEL),
        ("ringkasan", "jumlah responden", result.respondents),
        ("ringkasan", "permohonan dilayani (populasi)", result.population),
        ("ringkasan", "sampel minimal (tabel Krejcie-Morgan)", result.required),
        ("ringkasan", "sampel terpenuhi", "ya" if result.sample_met else "belum"),
        (
            "ringkasan",
            "indeks (1-4)",
            "-" if result.index is None else str(rounded(result.index, 4)),
        ),
        ("ringkasan", "IKM (25-100)", "-" if result.ikm is None else str(result.ikm)),
        (
            "ringkasan",
            "mutu pelayanan",
            "-"
            if result.category is None
            else f"{result.category.grade} ({result.category.label})",
        ),
    ]
    for e in result.elements:
        value = "-" if not result.respondents else str(rounded(e.nrr, 3))
        out.append(("NRR per unsur", f"{e.element.code.upper()} {e.element.label}", value))
    for key, counts in result.profile.items():
        for option, count in counts.items():
            out.append((f"profil: {PROFILE_LABELS[key]}", PROFILE[key][option], count))
    if with_suggestions:
        for n, text in enumerate(result.suggestions, 1):
            out.append(("saran", str(n), text))
    return out


def public_figures(result: SkmReport) -> dict:
    """What the office publishes: the figures, not the suggestions (free text may name people)."""
    return {
        "period": result.period.code,
        "period_label": result.period.label,
        "service": SERVICE_LABEL,
        "respondents": result.respondents,
        "population": result.population,
        "required_sample": result.required,
        "sample_met": result.sample_met,
        "elements": [
            {
                "code": e.element.code,
                "label": e.element.label,
                "nrr": None if not result.respondents else str(rounded(e.nrr, 3)),
            }
            for e in result.elements
        ],
        "index": None if result.index is None else str(rounded(result.index, 4)),
        "ikm": None if result.ikm is None else str(result.ikm),
        "grade": None if result.category is None else result.category.grade,
        "grade_label": None if result.category is None else result.category.label,
    }
