"""Synthetic SDP records and query perturbations: for the demo stack, tests and benchmarks.

Names come from Faker's `id_ID` lists, recombined with the patterns Indonesian names follow
(Muslim prefixes, bin/binti, one-word Javanese names, marga, titles, old spelling, nicknames).
Nobody here is a real person. Remission history follows the rules in PRODUCT.md §4
(Keppres 174/1999 amounts by year served, remisi umum on 17 August, remisi khusus on the
prisoner's religious holiday, dasawarsa every ten years, occasional tambahan; children get
pengurangan masa pidana instead; no remission before six months served).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from faker.providers.address.id_ID import Provider as AddressProvider
from faker.providers.person.id_ID import Provider as PersonProvider

from shared.sdp_directory.records import (
    CustodyStatus,
    Period,
    RemissionEntry,
    RemissionKind,
    SdpRecord,
)

DEFAULT_AS_OF = date(2026, 1, 1)  # fixed so a seed always yields the same records

_MALE_SUFFIXES = ("anto", "ianto", "wan", "man", "di", "yono", "to", "ono", "udin", "an", "is")
_FEMALE_SUFFIXES = ("wati", "ningsih", "yanti", "ani", "ah", "iyah", "tri", "sari")
_ORDINALS = ("Eko", "Dwi", "Tri", "Catur", "Sri", "Adi")


def _derived(names: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[str, ...]:
    """Javanese-style names from Faker's stems and common suffixes (Budi → Budiyanto)."""
    out = {
        stem[: max(3, len(stem) - 2)] + suffix
        for stem in names
        if stem.isalpha() and len(stem) >= 4
        for suffix in suffixes
    }
    return tuple(sorted(out))


MALE_FIRST = tuple(PersonProvider.first_names_male) + _derived(
    PersonProvider.first_names_male, _MALE_SUFFIXES
)
FEMALE_FIRST = tuple(PersonProvider.first_names_female) + _derived(
    PersonProvider.first_names_female, _FEMALE_SUFFIXES
)
MALE_LAST = tuple(PersonProvider.last_names_male)
FEMALE_LAST = tuple(PersonProvider.last_names_female)
CITIES = tuple(AddressProvider.cities)
MUSLIM_MALE_PREFIX = ("Muhammad", "Ahmad", "Abdul", "Nur", "Muhammad", "Muhammad")
MUSLIM_FEMALE_PREFIX = ("Siti", "Nur", "Siti")
MUHAMMAD_WRITTEN = ("Muhammad", "Mohammad", "Muhamad", "Moh.", "Moch.", "M.", "Mochammad")
NICKNAMES = (
    "Ucok", "Gondrong", "Kribo", "Botak", "Item", "Bule", "Codet", "Jabrik", "Bewok", "Kumis",
    "Gendut", "Cungkring", "Tompel", "Pesek", "Sipit", "Bolot", "Kancil", "Gepeng", "Ableh",
    "Begal", "Bonar", "Jengkol", "Kutil", "Mandra", "Ompong", "Pendek", "Gimbal", "Brewok",
)  # fmt: skip
LEADING_TITLES = ("H.", "Drs.", "Ir.", "Dr.")
LEADING_TITLES_FEMALE = ("Hj.", "Dra.", "Ir.")
TRAILING_DEGREES = ("S.H.", "S.Pd.", "S.E.", "S.Kom.", "S.T.", "A.Md.", "M.M.")
RELIGIONS = (("Islam", 85), ("Kristen", 7), ("Katolik", 3), ("Hindu", 2), ("Buddha", 2),
             ("Konghucu", 1))  # fmt: skip
HOLIDAY_OF = {"Islam": "Idul Fitri", "Kristen": "Natal", "Katolik": "Natal", "Hindu": "Nyepi",
              "Buddha": "Waisak", "Konghucu": "Imlek"}  # fmt: skip

# Holiday dates as observed in Indonesia (month, day); Natal is always 25 December.
_IDUL_FITRI = {2008: (10, 1), 2009: (9, 20), 2010: (9, 10), 2011: (8, 30), 2012: (8, 19),
               2013: (8, 8), 2014: (7, 28), 2015: (7, 17), 2016: (7, 6), 2017: (6, 25),
               2018: (6, 15), 2019: (6, 5), 2020: (5, 24), 2021: (5, 13), 2022: (5, 2),
               2023: (4, 22), 2024: (4, 10), 2025: (3, 31), 2026: (3, 20)}  # fmt: skip
_NYEPI = {2008: (3, 7), 2009: (3, 26), 2010: (3, 16), 2011: (3, 5), 2012: (3, 23),
          2013: (3, 12), 2014: (3, 31), 2015: (3, 21), 2016: (3, 9), 2017: (3, 28),
          2018: (3, 17), 2019: (3, 7), 2020: (3, 25), 2021: (3, 14), 2022: (3, 3),
          2023: (3, 22), 2024: (3, 11), 2025: (3, 29), 2026: (3, 19)}  # fmt: skip
_WAISAK = {2008: (5, 20), 2009: (5, 9), 2010: (5, 28), 2011: (5, 17), 2012: (5, 6),
           2013: (5, 25), 2014: (5, 15), 2015: (6, 2), 2016: (5, 22), 2017: (5, 11),
           2018: (5, 29), 2019: (5, 19), 2020: (5, 7), 2021: (5, 26), 2022: (5, 16),
           2023: (6, 4), 2024: (5, 23), 2025: (5, 12), 2026: (5, 31)}  # fmt: skip
_IMLEK = {2008: (2, 7), 2009: (1, 26), 2010: (2, 14), 2011: (2, 3), 2012: (1, 23),
          2013: (2, 10), 2014: (1, 31), 2015: (2, 19), 2016: (2, 8), 2017: (1, 28),
          2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1),
          2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17)}  # fmt: skip
_HOLIDAY_TABLES = {"Idul Fitri": _IDUL_FITRI, "Nyepi": _NYEPI, "Waisak": _WAISAK,
                   "Imlek": _IMLEK}  # fmt: skip
FIRST_YEAR = min(_IDUL_FITRI)


def holiday_date(holiday: str, year: int) -> date | None:
    if holiday == "Natal":
        return date(year, 12, 25)
    month_day = _HOLIDAY_TABLES[holiday].get(year)
    return date(year, *month_day) if month_day else None


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def subtract_period(day: date, period: Period) -> date:
    return add_months(day, -period.months) - timedelta(days=period.days)


# --- remission rules (PRODUCT.md §4) ---------------------------------------------------------


def remisi_umum_amount(nth: int, served_days: int) -> Period:
    """Remisi umum by the year of sentence it is granted in (1st grant = 1st year)."""
    if nth == 1:
        return Period(1) if served_days < 365 else Period(2)
    return Period({2: 3, 3: 4, 4: 5, 5: 5}.get(nth, 6))


def remisi_khusus_amount(nth: int, served_days: int) -> Period:
    if nth == 1:
        return Period(0, 15) if served_days < 365 else Period(1)
    if nth in (2, 3):
        return Period(1)
    if nth in (4, 5):
        return Period(1, 15)
    return Period(2)


def remission_history(
    rng: random.Random,
    start: date,
    sentence: Period,
    religion: str,
    is_child: bool,
    as_of: date,
) -> tuple[RemissionEntry, ...]:
    expiry = add_months(start, sentence.months) + timedelta(days=sentence.days)
    events: list[tuple[date, str]] = []
    for year in range(start.year, as_of.year + 1):
        events.append((date(year, 8, 17), "umum"))
        holiday = HOLIDAY_OF[religion]
        when = holiday_date(holiday, year)
        if when:
            events.append((when, holiday))
    events.sort()

    entries: list[RemissionEntry] = []
    granted = {"umum": 0, "khusus": 0}
    total = Period()
    for when, occasion in events:
        if when <= start or when > as_of:
            continue
        served = (when - start).days
        if served < 180:  # more than six months served is a condition
            continue
        remaining = subtract_period(expiry, total)
        if remaining <= when:
            break  # already free
        if rng.random() < 0.08:  # disciplinary punishment in the last six months: nothing
            continue
        is_umum = occasion == "umum"
        counter = "umum" if is_umum else "khusus"
        granted[counter] += 1
        nth = granted[counter]
        amount = remisi_umum_amount(nth, served) if is_umum else remisi_khusus_amount(nth, served)
        kind = RemissionKind.UMUM if is_umum else RemissionKind.KHUSUS
        if is_child:
            kind = RemissionKind.PENGURANGAN_MASA_PIDANA
        stage = "II" if subtract_period(remaining, amount) <= when else "I"
        entries.append(
            RemissionEntry(
                year=when.year,
                kind=kind,
                amount=amount,
                holiday=None if is_umum else occasion,
                stage=stage,
                decree_number=_decree(rng, when.year, is_umum),
            )
        )
        total = total + amount
        if is_umum and not is_child and when.year % 10 == 5:
            # remisi dasawarsa: 1/12 of the sentence, at most three months
            dasawarsa = Period(0, min(sentence.approx_days // 12, 90)).normalised()
            entries.append(
                RemissionEntry(
                    when.year,
                    RemissionKind.DASAWARSA,
                    dasawarsa,
                    decree_number=_decree(rng, when.year, True),
                )
            )
            total = total + dasawarsa
        if is_umum and not is_child and rng.random() < 0.05:
            share = rng.choice((2, 3))  # ½ for a pemuka, ⅓ for other merit
            extra = Period(0, amount.approx_days // share).normalised()
            entries.append(
                RemissionEntry(
                    when.year,
                    RemissionKind.TAMBAHAN,
                    extra,
                    decree_number=_decree(rng, when.year, True),
                )
            )
            total = total + extra
        if stage == "II":
            break
    return tuple(entries)


def _decree(rng: random.Random, year: int, national: bool) -> str:
    if national:
        return f"PAS-{rng.randint(100, 2999)}.PK.01.05.06 Tahun {year}"
    return f"W{rng.randint(1, 33)}-{rng.randint(100, 9999)}.PK.01.01.02 Tahun {year}"


def total_of(entries: tuple[RemissionEntry, ...]) -> Period:
    total = Period()
    for entry in entries:
        total = total + entry.amount
    return total


# --- names -----------------------------------------------------------------------------------


def old_spelling(word: str) -> str:
    """Write a modern word the pre-1972 way (u→oe, j→dj, c→tj, y→j)."""
    out = word.replace("j", "dj").replace("c", "tj").replace("y", "j").replace("u", "oe")
    return out.replace("U", "Oe").replace("J", "Dj").replace("C", "Tj").replace("Y", "J")


def person_name(
    rng: random.Random, female: bool, religion: str, adult: bool = True
) -> tuple[str, tuple[str, ...]]:
    """A full name as SDP might hold it, and aliases."""
    first = FEMALE_FIRST if female else MALE_FIRST
    last = FEMALE_LAST if female else MALE_LAST
    words: list[str] = []
    muslim = religion == "Islam"
    if muslim and rng.random() < (0.25 if female else 0.35):
        prefix = rng.choice(MUSLIM_FEMALE_PREFIX if female else MUSLIM_MALE_PREFIX)
        words.append(prefix)
    if rng.random() < 0.08:
        words.append(rng.choice(_ORDINALS))
    words.append(rng.choice(first))
    shape = rng.random()
    if shape < 0.05 and not words[:-1]:
        pass  # one-word name, common in Java
    elif shape < 0.45:
        words.append(rng.choice(last))
    elif shape < 0.80:
        words.append(rng.choice(first))
        words.append(rng.choice(last))
    else:
        words.append(rng.choice(first))
    if rng.random() < 0.08:
        words = [old_spelling(w) if rng.random() < 0.6 else w for w in words]
    if words[0] == "Muhammad" and rng.random() < 0.35:
        words[0] = rng.choice(MUHAMMAD_WRITTEN)
    name = " ".join(words)
    if muslim and rng.random() < 0.25:
        father = rng.choice(MALE_FIRST)
        if rng.random() < 0.3:
            father = f"{father} {rng.choice(MALE_LAST)}"
        name += f" {'binti' if female else 'bin'} {father}"
    if not adult:
        pass  # children carry no titles or degrees
    elif rng.random() < 0.05:
        name = f"{rng.choice(LEADING_TITLES_FEMALE if female else LEADING_TITLES)} {name}"
    elif rng.random() < 0.03:
        name = f"{name}, {rng.choice(TRAILING_DEGREES)}"
    aliases: tuple[str, ...] = ()
    if rng.random() < 0.15:
        aliases = (rng.choice(NICKNAMES),)
    return name, aliases


# --- UPTs ------------------------------------------------------------------------------------


BANTEN_UPTS = (
    "Lapas Kelas I Tangerang",
    "Lapas Kelas IIA Serang",
    "Lapas Kelas IIA Cilegon",
    "Lapas Kelas IIB Rangkasbitung",
    "Lapas Kelas III Pandeglang",
    "Lapas Pemuda Kelas IIA Tangerang",
    "Lapas Perempuan Kelas IIA Tangerang",
    "Rutan Kelas I Tangerang",
    "Rutan Kelas IIB Serang",
    "Rutan Kelas IIB Pandeglang",
    "LPKA Kelas I Tangerang",
)


def upt_names(count: int, rng: random.Random) -> list[str]:
    """Banten's UPTs first, then made-up ones across the country for bigger sets."""
    upts = list(BANTEN_UPTS)
    for city in CITIES:
        if len(upts) >= count:
            break
        upts.append(f"Lapas Kelas {rng.choice(('I', 'IIA', 'IIB'))} {city}")
        upts.append(f"Rutan Kelas {rng.choice(('I', 'IIA', 'IIB'))} {city}")
    return upts[: max(count, 1)]


# --- records ---------------------------------------------------------------------------------


def generate_records(
    count: int, seed: int, as_of: date = DEFAULT_AS_OF, upt_count: int | None = None
) -> Iterator[SdpRecord]:
    """`count` distinct synthetic records; the same seed always gives the same records."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    upts = upt_names(upt_count or (11 if count <= 20_000 else 150), rng)
    for serial in range(1, count + 1):
        yield generate_record(rng, serial, upts, as_of)


def generate_record(rng: random.Random, serial: int, upts: list[str], as_of: date) -> SdpRecord:
    child_upts = [u for u in upts if u.startswith("LPKA")] or upts[:1]
    women_upts = [u for u in upts if "Perempuan" in u] or upts
    adult_upts = [u for u in upts if u not in child_upts and u not in women_upts] or upts
    female = rng.random() < 0.09
    religion = rng.choices([r for r, _ in RELIGIONS], [w for _, w in RELIGIONS])[0]
    roll = rng.random()
    status = (
        CustodyStatus.ANAK
        if roll < 0.03
        else CustodyStatus.TAHANAN
        if roll < 0.18
        else CustodyStatus.NARAPIDANA
    )
    name, aliases = person_name(rng, female, religion, adult=status is not CustodyStatus.ANAK)
    if status is CustodyStatus.ANAK:
        birth = as_of - timedelta(days=rng.randint(14 * 365, 17 * 365 + 300))
        upt = rng.choice(child_upts)
    else:
        birth = as_of - timedelta(days=rng.randint(19 * 365, 65 * 365))
        upt = rng.choice(women_upts if female and rng.random() < 0.7 else adult_upts)
    common = {
        "name": name,
        "aliases": aliases,
        "upt": upt,
        "status": status,
        "sex": "P" if female else "L",
        "birth_place": rng.choice(CITIES),
        "birth_date": birth,
        "religion": religion,
    }
    if status is CustodyStatus.TAHANAN:
        start = as_of - timedelta(days=rng.randint(5, 200))
        register = rng.choice(("A.I", "A.II", "A.III"))
        return SdpRecord(
            registration_number=f"{register} {serial:06d}/{start.year}",
            detention_start=start,
            **common,
        )

    if status is CustodyStatus.ANAK:
        sentence = Period(rng.randint(6, 48))
    else:
        months = rng.choice((8, 10, 12, 18, 24, 30, 36, 48, 60, 72, 84, 96, 120, 144, 180))
        sentence = Period(months, rng.choice((0, 0, 0, 15)))
    sentence_days = (add_months(as_of, sentence.months) - as_of).days + sentence.days
    served = rng.randint(30, max(31, int(sentence_days * 0.6)))
    start = as_of - timedelta(days=served)
    start = max(start, date(FIRST_YEAR, 1, 1))
    expiry = add_months(start, sentence.months) + timedelta(days=sentence.days)
    entries = remission_history(rng, start, sentence, religion, status is CustodyStatus.ANAK, as_of)
    total = total_of(entries)
    two_thirds = start + timedelta(days=round((expiry - start).days * 2 / 3))
    program = "CB" if sentence.months < 12 else "PB"
    if two_thirds <= as_of and (two_thirds - start).days >= 270:
        program_status = rng.choice(("memenuhi syarat", "diusulkan", "SK terbit"))
    else:
        program_status = "belum memenuhi syarat"
    register = "B.I" if sentence.months >= 12 else "B.IIa"
    if status is CustodyStatus.ANAK:
        register = "AN"
    return SdpRecord(
        registration_number=f"{register} {serial:06d}/{start.year}",
        sentence=sentence,
        detention_start=start,
        expiry_date=expiry,
        remissions=entries,
        total_remission=total,
        expiry_after_remission=subtract_period(expiry, total),
        two_thirds_date=two_thirds,
        integration_program=program,
        integration_status=program_status,
        **common,
    )


# --- queries: how a relative might type the name -------------------------------------------


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    letters = "aiueonrstkmglbhdy"
    match rng.randrange(4):
        case 0:
            return word[:i] + rng.choice(letters) + word[i + 1 :]  # substitute
        case 1:
            return word[:i] + word[i + 1 :]  # drop
        case 2:
            return word[:i] + rng.choice(letters) + word[i:]  # insert
        case _:
            return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # transpose


def _plain_words(name: str) -> list[str]:
    """The name without titles and degrees, as a relative would say it."""
    head = name.split(",")[0]
    titles = {t.lower() for t in (*LEADING_TITLES, *LEADING_TITLES_FEMALE)}
    return [w for w in head.split() if w.lower() not in titles]


PERTURBATIONS = ("typo", "drop", "swap", "variant", "alias", "title", "merge", "case", "exact")


def perturbed_query_name(rng: random.Random, record: SdpRecord, kinds: list[str]) -> str:
    """The record's name as a requester might type it, changed in the given ways."""
    words = _plain_words(record.name)
    for kind in kinds:
        if kind == "alias" and record.aliases:
            # relatives give the name they know and the nickname the neighbourhood uses
            words = [*words[:2], rng.choice(("alias", "als", "als.")), record.aliases[0]]
        elif kind == "typo":
            candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
            if candidates:
                i = rng.choice(candidates)
                words[i] = _typo(rng, words[i])
        elif kind == "drop" and len(words) >= 3:
            lowered = [w.lower() for w in words]
            if "bin" in lowered or "binti" in lowered:
                words = words[: lowered.index("bin" if "bin" in lowered else "binti")]
            else:
                del words[rng.randrange(1, len(words))]
        elif kind == "swap" and len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif kind == "variant":
            words = [_variant(rng, w) for w in words]
        elif kind == "title":
            words = [rng.choice(("H.", "Bapak", "Sdr.")), *words]
        elif kind == "merge" and len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            if words[i].lower() not in ("bin", "binti") and words[i + 1].lower() not in (
                "bin",
                "binti",
            ):
                words[i : i + 2] = [words[i] + words[i + 1].lower()]
        elif kind == "case":
            words = [w.upper() if rng.random() < 0.5 else w.lower() for w in words]
    return " ".join(words)


def _variant(rng: random.Random, word: str) -> str:
    lowered = word.lower().rstrip(".")
    if lowered in {"muhammad", "mohammad", "muhamad", "moh", "moch", "m", "mochammad"}:
        return rng.choice(("Muhammad", "Mohammad", "Muhamad", "Moh.", "M."))
    swaps = {"nur": "Noor", "siti": "Sitti", "ahmad": "Achmad", "abdul": "Abd."}
    if lowered in swaps:
        return swaps[lowered]
    modern = (
        word.replace("oe", "u")
        .replace("Oe", "U")
        .replace("dj", "j")
        .replace("Dj", "J")
        .replace("tj", "c")
        .replace("Tj", "C")
    )
    if modern != word:
        return modern
    if "y" in word and rng.random() < 0.5:
        return word.replace("y", "j")  # old-spelling habit of an older relative
    if "u" in word and rng.random() < 0.5:
        return word.replace("u", "oe", 1)
    return word


def absent_person(rng: random.Random, as_of: date = DEFAULT_AS_OF) -> SdpRecord:
    """Someone who is *not* in the directory (same generator, separate random stream)."""
    return generate_record(rng, 0, upt_names(11, rng), as_of)


def with_name(record: SdpRecord, name: str) -> SdpRecord:
    return replace(record, name=name)
