"""Write the rule-written labelled set (`cases.tsv`): name pairs query → record, by class.

    python -m localdev.sdp.labelled.write

Nothing here comes from the synthetic generator or from the matcher's normaliser: each class
applies one documented way Indonesian names really vary (README.md in this folder names the
rule and its public source) to people composed from common given and family names. Nobody is a
real person; a few well-known public names are refused outright.

Every base person falls in the tuning or the held-out part by a hash of their name, so the
split is stable when lists grow; the held-out part is for reporting only.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import itertools
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
CASES = HERE / "cases.tsv"
COLUMNS = ("part", "class", "registration", "record_name", "record_aliases", "record_upt",
           "query_name", "query_upt")  # fmt: skip
PER_CLASS = 64
ABSENT = 900
HELD_OUT_SHARE = 0.5

# --- common-name lists (compiled by hand; see README.md) -------------------------------------

GIVEN_JAVANESE = (
    "Agus", "Bambang", "Budi", "Dwi", "Eko", "Hadi", "Joko", "Slamet", "Teguh", "Wahyu",
    "Yudi", "Suparno", "Sugeng", "Sutrisno", "Heru", "Bayu", "Edi", "Gatot", "Iwan", "Kusno",
    "Mulyono", "Nanang", "Purwanto", "Rudi", "Sigit", "Sukardi", "Tri", "Widodo", "Yanto",
    "Sri", "Endang", "Sumarni", "Lestari", "Wulan", "Tutik", "Suryani", "Rini", "Sulastri",
)  # fmt: skip
GIVEN_SUNDANESE = (
    "Asep", "Ujang", "Dadang", "Cecep", "Dede", "Yayan", "Enjang", "Ade", "Aep", "Dadan",
    "Iis", "Euis", "Nining", "Neneng", "Imas", "Yati", "Entin", "Ela", "Tati", "Cucu",
)  # fmt: skip
GIVEN_CHRISTIAN = (
    "Yohanes", "Markus", "Stefanus", "Paulus", "Petrus", "Yosef", "Daniel", "Robert",
    "Ronald", "Hendrik", "Fransiskus", "Maria", "Agustina", "Yuliana", "Magdalena", "Elisabet",
)  # fmt: skip
GIVEN_ARABIC = (
    "Ahmad", "Ali", "Hasan", "Husen", "Ilham", "Fauzi", "Rizal", "Hidayat", "Irfan", "Ikhsan",
    "Amir", "Anwar", "Arifin", "Bahrul", "Fadli", "Hamzah", "Imran", "Jamal", "Lukman",
    "Mansur", "Rasyid", "Ridwan", "Salim", "Syarif", "Yahya", "Zaki", "Aminah", "Aisyah",
    "Fatimah", "Halimah", "Khadijah", "Maryam", "Rukiah", "Salamah", "Zubaidah", "Hasanah",
)  # fmt: skip
GIVEN = GIVEN_JAVANESE + GIVEN_SUNDANESE + GIVEN_CHRISTIAN + GIVEN_ARABIC
FEMALE = frozenset(
    ("Sri", "Endang", "Sumarni", "Lestari", "Wulan", "Tutik", "Suryani", "Rini", "Sulastri",
     "Iis", "Euis", "Nining", "Neneng", "Imas", "Yati", "Entin", "Ela", "Tati", "Cucu", "Maria",
     "Agustina", "Yuliana", "Magdalena", "Elisabet", "Aminah", "Aisyah", "Fatimah", "Halimah",
     "Khadijah", "Maryam", "Rukiah", "Salamah", "Zubaidah", "Hasanah",
     # words of the class tables that are women's names
     "Khadijah", "Khodijah", "Rahmah", "Rohmah", "Ramlah", "Romlah", "Zainab", "Zaenab",
     "Maimunah", "Maemunah", "Masrurah", "Masruroh", "Salihah", "Sholihah", "Fadilah",
     "Fadhilah", "Jamilah", "Jamileh", "Zaitun", "Zaetun", "Nur Janah", "Nurjanah",
     "Nur Hayati", "Nurhayati", "Nur Aini", "Nuraini", "Nur Hasanah", "Nurhasanah",
     "Nur Laila", "Nurlaila", "Nur Halimah", "Nurhalimah", "Nurul Aini", "Nurulaini", "Jannah",
     "Janah", "Ummi", "Umi", "Fadillah", "Zakkiyah", "Zakiyah", "Khaerunnisa", "Khaerunisa",
     "Mutmainnah", "Mutmainah", "Anna", "Ana", "Rossa", "Rosa", "Vonny", "Voni", "Ummu", "Umu",
     "Fitri", "Pitri", "Sofia", "Sopia", "Novi", "Nopi", "Evi", "Epi", "Devi", "Depi",
     "Syarifah", "Sarifah", "Nafisah", "Napisah", "Hafsah", "Hapsah", "Juariah", "Sukarni",
     "Wuryani", "Sumiyati", "Cucu")
)  # fmt: skip
CHRISTIAN = frozenset(GIVEN_CHRISTIAN)
FAMILY = (
    # Batak marga, Minangkabau/Malay and Javanese second names, Maluku and Minahasa fam
    "Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Hutapea", "Sitompul",
    "Pardede", "Sinaga", "Situmorang", "Tambunan", "Panjaitan", "Sihombing", "Manurung",
    "Simatupang", "Pasaribu", "Silalahi", "Napitupulu", "Saragih", "Damanik", "Saputra",
    "Setiawan", "Kurniawan", "Pratama", "Wijaya", "Santoso", "Susanto", "Prasetyo", "Nugroho",
    "Hermawan", "Gunawan", "Firmansyah", "Syahputra", "Ramadhan", "Maulana", "Hakim",
    "Wibowo", "Purnomo", "Suryadi", "Iskandar", "Latuconsina", "Pelupessy", "Tuhuleley",
    "Wowor", "Rumengan", "Mandagi", "Lumban Gaol", "Rangkuti", "Daulay", "Tanjung",
)  # fmt: skip
FATHERS = ("Sulaiman", "Hasan", "Abdullah", "Ismail", "Yusuf", "Salim", "Usman", "Bakri",
           "Darmawan", "Suparman", "Rahmat", "Ibrahim", "Mahmud", "Saleh", "Sanusi")  # fmt: skip
REFUSED = {"joko widodo", "abdurrahman wahid", "susilo bambang yudhoyono", "prabowo subianto",
           "megawati soekarnoputri", "amien rais", "anies baswedan", "ganjar pranowo",
           "ahmad dhani", "rizal ramli", "budi gunawan", "agus harimurti yudhoyono"}  # fmt: skip
UPTS = ("Lapas Kelas IIA Serang", "Lapas Kelas I Tangerang", "Rutan Kelas IIB Pandeglang",
        "Lapas Kelas IIB Rangkasbitung", "Rutan Kelas I Tangerang", "Lapas Kelas IIA Cilegon",
        "Lapas Perempuan Kelas IIA Tangerang", "Lapas Kelas III Pandeglang")  # fmt: skip

# --- the classes: (record form, what a relative types) ---------------------------------------

# Javanese [ɔ] for a (O-Javanese spelling), Arabic kasra/dammah written e/o, ai → ae/e
VOWEL_PAIRS = (
    ("Rahim", "Rohim"), ("Rahman", "Rohman"), ("Saleh", "Soleh"), ("Shaleh", "Sholeh"),
    ("Khalil", "Kholil"), ("Khalid", "Kholid"), ("Tahir", "Tohir"), ("Taha", "Toha"),
    ("Mustafa", "Mustofa"), ("Kadir", "Kodir"), ("Samad", "Somad"), ("Razak", "Rozak"),
    ("Rasyid", "Rosyid"), ("Salihin", "Solihin"), ("Khadijah", "Khodijah"), ("Rahmat", "Rohmat"),
    ("Rahmah", "Rohmah"), ("Ramlah", "Romlah"), ("Tayib", "Toyib"), ("Sadikin", "Sodikin"),
    ("Kasim", "Kosim"), ("Zainal", "Zaenal"), ("Zainab", "Zaenab"), ("Sulaiman", "Sulaeman"),
    ("Maimunah", "Maemunah"), ("Husain", "Husein"), ("Husin", "Husen"), ("Ismail", "Ismael"),
    ("Mikail", "Mikael"), ("Umar", "Omar"), ("Usman", "Osman"), ("Muhsin", "Mohsin"),
    ("Sahid", "Sohid"), ("Masrurah", "Masruroh"), ("Salihah", "Sholihah"), ("Fadilah", "Fadhilah"),
    ("Mukhlis", "Muklis"), ("Jamilah", "Jamileh"), ("Zaitun", "Zaetun"), ("Aminudin", "Aminodin"),
)  # fmt: skip
# Arabic iḍāfa with the article: "ʿAbd al-Raḥīm" fused with the sun-letter assimilation, or split
COMPOUND_PAIRS = (
    ("Abdul Rahim", "Abdurrahim"), ("Abdul Rahman", "Abdurrahman"), ("Abdul Rozak", "Abdurrozak"),
    ("Abdul Salam", "Abdussalam"), ("Abdul Somad", "Abdussomad"), ("Abdul Syukur", "Abdussyukur"),
    ("Abdul Latif", "Abdullatif"), ("Abdul Hamid", "Abdulhamid"), ("Abdul Kadir", "Abdulkadir"),
    ("Abdul Aziz", "Abdulaziz"), ("Abdul Rasyid", "Abdurrasyid"), ("Abdul Rouf", "Abdurrouf"),
    ("Abdul Majid", "Abdulmajid"), ("Abdul Gofur", "Abdulgofur"), ("Abdul Wahab", "Abdulwahab"),
    ("Abdul Jalil", "Abduljalil"), ("Abdul Hadi", "Abdulhadi"), ("Abdul Malik", "Abdulmalik"),
    ("Abdul Karim", "Abdulkarim"), ("Abdul Halim", "Abdulhalim"), ("Abdul Rohim", "Abdurohim"),
    ("Abdus Salam", "Abdussalam"), ("Abdur Rahman", "Abdurahman"), ("Abdur Rauf", "Abdurrauf"),
    ("Nur Janah", "Nurjanah"), ("Nur Hayati", "Nurhayati"), ("Nur Aini", "Nuraini"),
    ("Nur Hasanah", "Nurhasanah"), ("Nur Laila", "Nurlaila"), ("Nur Halimah", "Nurhalimah"),
    ("Nur Kholis", "Nurkholis"), ("Nur Rohman", "Nurrohman"), ("Nur Hidayat", "Nurhidayat"),
    ("Nur Cahyo", "Nurcahyo"), ("Nurul Huda", "Nurulhuda"), ("Nurul Aini", "Nurulaini"),
    ("Fathur Rahman", "Fathurrahman"), ("Fathur Rohman", "Fathurrohman"),
    ("Habibur Rahman", "Habiburrahman"), ("Mujibur Rahman", "Mujiburrahman"),
    ("Ainur Rofiq", "Ainurrofiq"), ("Khoirul Anam", "Khoirulanam"),
    ("Miftahul Huda", "Miftahulhuda"), ("Zainul Arifin", "Zainularifin"),
    ("Ainul Yakin", "Ainulyakin"), ("Syamsul Arifin", "Syamsularifin"),
    ("Khoirur Rozikin", "Khoirurrozikin"), ("Syamsur Rizal", "Syamsurrizal"),
)  # fmt: skip
# Arabic shadda written double or single; Dutch-style doubled consonants in given names
DOUBLED_PAIRS = (
    ("Hasanuddin", "Hasanudin"), ("Jannah", "Janah"), ("Fattah", "Fatah"), ("Muzakkir", "Muzakir"),
    ("Ummi", "Umi"), ("Fadillah", "Fadilah"), ("Hidayatullah", "Hidayatulah"),
    ("Zakkiyah", "Zakiyah"), ("Muttaqin", "Mutaqin"), ("Mujahiddin", "Mujahidin"),
    ("Rabbani", "Rabani"), ("Khaerunnisa", "Khaerunisa"), ("Mutmainnah", "Mutmainah"),
    ("Tommy", "Tomi"), ("Yoggi", "Yogi"), ("Anna", "Ana"), ("Rossa", "Rosa"), ("Vonny", "Voni"),
    ("Jallaludin", "Jalaludin"), ("Syamsuddin", "Syamsudin"), ("Nuruddin", "Nurudin"),
    ("Saddam", "Sadam"), ("Hassan", "Hasan"), ("Ummu", "Umu"), ("Hakki", "Haki"),
)  # fmt: skip
# Sundanese has no native f, v, z, sy: written p, p, j, s (also Javanese and Malay habits)
REGIONAL_PAIRS = (
    ("Fitri", "Pitri"), ("Arif", "Arip"), ("Zaenal", "Jaenal"), ("Zakaria", "Jakaria"),
    ("Fauzi", "Pauji"), ("Hafidz", "Hapid"), ("Sofyan", "Sopyan"), ("Sofia", "Sopia"),
    ("Novi", "Nopi"), ("Evi", "Epi"), ("Devi", "Depi"), ("Zulkifli", "Julkipli"),
    ("Fajar", "Pajar"), ("Syamsudin", "Samsudin"), ("Syarifah", "Sarifah"), ("Latif", "Latip"),
    ("Hanif", "Hanip"), ("Rifai", "Ripai"), ("Faisal", "Paisal"), ("Afandi", "Apandi"),
    ("Fikri", "Pikri"), ("Rizal", "Rijal"), ("Aziz", "Ajis"), ("Zainudin", "Jaenudin"),
    ("Nafisah", "Napisah"), ("Syahrul", "Sahrul"), ("Fahmi", "Pahmi"), ("Zulfikar", "Julpikar"),
    ("Saiful", "Saipul"), ("Hafsah", "Hapsah"), ("Taufik", "Taupik"), ("Irfan", "Irpan"),
)  # fmt: skip
# EYD 1972 (and the 1947 Soewandi reform for oe): old forms still on older people's papers
OLD_WORDS = ("Sukardi", "Joko", "Cipto", "Sutrisno", "Juariah", "Suparjo", "Sunaryo",
             "Cahyono", "Suyanto", "Wahyudi", "Rusdi", "Yusuf", "Yahya", "Sukarni", "Juned",
             "Karyono", "Suyatno", "Sujono", "Cucu", "Jaja", "Cahya", "Syahrir", "Syamsu",
             "Khaerul", "Khoiri", "Nyoman", "Sunyoto", "Yunus", "Maryono", "Wuryani",
             "Suwarno", "Sudarsono", "Purwadi", "Sumiyati", "Cokro", "Suharjo")  # fmt: skip
TITLES_BEFORE = ("H.", "Hj.", "Drs.", "Dra.", "Ir.", "dr.", "K.H.", "Ust.", "Bapak", "Ibu",
                 "Sdr.", "Alm.", "Tn.", "Ny.", "Prof. Dr.", "H. Drs.")  # fmt: skip
DEGREES_AFTER = ("S.H.", "S.Pd.", "S.Ag.", "S.E.", "S.Kom.", "S.T.", "M.Pd.", "M.H.", "S.Sos.",
                 "A.Md.", "S.H., M.H.", "S.Pd.I.", "Lc.", "S.Ip.")  # fmt: skip
NICKNAMES_DISTINCT = (
    "Gareng", "Petruk", "Bagong", "Cepot", "Dawala", "Togog", "Kabayan", "Gentong", "Kempes",
    "Cemong", "Gembrot", "Kerempeng", "Jalu", "Bledug", "Kethek", "Pincang", "Tengil",
    "Cungkil", "Jarot Kumis", "Babeh Item", "Mbah Surip", "Bang Jago", "Si Pitung Kecil",
    "Kampret", "Celeng", "Codot", "Gundul Pacul", "Tekek", "Kuya", "Bebek", "Menyok",
    "Ceking", "Gempal", "Kelabang", "Gepuk", "Bendol", "Kemplo", "Jangkrik", "Walang",
    "Tompel Kiri", "Blonteng", "Cebol", "Gondes", "Pacul", "Kentir", "Gosong", "Kucrut",
    "Bongkeng", "Gembel", "Kampleng", "Cemot", "Klewer", "Semprul", "Gendon", "Ketul",
    "Bogel", "Kemed", "Gembus", "Kempot", "Pentol", "Jembling", "Kemprus", "Dower", "Pesut",
)  # fmt: skip
NICKNAMES_SHARED = ("Asep", "Ujang", "Acong", "Butet", "Bejo", "Ipul", "Bang Ucup", "Otong")

CLASSES = ("vowel", "compound", "alias_distinct", "alias_shared", "old_spelling", "title",
           "patronym", "initial", "swap", "doubled", "regional", "typo")  # fmt: skip


def _split(key: str) -> str:
    digest = hashlib.sha256(key.lower().encode()).digest()
    return "heldout" if digest[0] / 256 < HELD_OUT_SHARE else "tuning"


def _given(rng: random.Random, female: bool, christian: bool | None = None) -> str:
    while True:
        word = rng.choice(GIVEN)
        if (word in FEMALE) == female and (christian is None or (word in CHRISTIAN) == christian):
            return word


def _person(
    rng: random.Random,
    first: str | None = None,
    last: str | None = None,
    female: bool | None = None,
    christian: bool | None = None,
) -> list[str]:
    """A plausible person: one sex, no Christian name beside an Arabic one."""
    if female is None:
        female = first in FEMALE if first else rng.random() < 0.3
    if first is None:
        first = _given(rng, female, christian)
    if christian is None and first in CHRISTIAN:
        christian = True
    words = [first]
    if rng.random() < 0.4:
        second = _given(rng, female, christian if christian else False)
        if second != first:
            words.append(second)
    if last is not None:
        words.append(last)
    elif rng.random() < 0.75:
        words.append(rng.choice(FAMILY))
    return words


def _old_spelling(word: str, rng: random.Random) -> str:
    """Pre-1972 spelling; older people mix it, so each change is applied most of the time."""
    rules = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("nj", "ny"), ("sj", "sy"), ("ch", "kh"),
             ("j", "y"))  # fmt: skip
    out = word.lower()
    marks = {}
    for old, new in rules:
        if new in out and rng.random() < 0.85:
            token = f"\0{len(marks)}\0"
            marks[token] = old
            out = out.replace(new, token)
    for token, old in marks.items():
        out = out.replace(token, old)
    return out.capitalize()


KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbour(letter: str, rng: random.Random) -> str:
    for row_index, row in enumerate(KEYBOARD):
        if letter in row:
            column = row.index(letter)
            options = [row[c] for c in (column - 1, column + 1) if 0 <= c < len(row)]
            for other in (row_index - 1, row_index + 1):
                if 0 <= other < len(KEYBOARD) and column < len(KEYBOARD[other]):
                    options.append(KEYBOARD[other][column])
            return rng.choice(options)
    return letter


def _typo(word: str, rng: random.Random) -> str:
    """One Damerau edit, never on the first letter; substitutions hit a neighbouring key."""
    lower = word.lower()
    i = rng.randrange(1, len(lower) - 1)
    kind = rng.choice(("neighbour", "drop", "swap", "double"))
    if kind == "neighbour":
        lower = lower[:i] + _neighbour(lower[i], rng) + lower[i + 1 :]
    elif kind == "drop":
        lower = lower[:i] + lower[i + 1 :]
    elif kind == "swap":
        lower = lower[:i] + lower[i + 1] + lower[i] + lower[i + 2 :]
    else:
        lower = lower[:i] + lower[i] + lower[i:]
    return lower.capitalize()


def _case(rng: random.Random, cls: str, serial: int) -> tuple[dict, dict]:
    """One (record, query) for a class; the record dict has name/aliases/upt."""
    upt = rng.choice(UPTS)
    aliases: list[str] = []
    query_upt = ""
    if cls in ("vowel", "compound", "doubled", "regional"):
        table = {"vowel": VOWEL_PAIRS, "compound": COMPOUND_PAIRS, "doubled": DOUBLED_PAIRS,
                 "regional": REGIONAL_PAIRS}[cls]  # fmt: skip
        written, typed = rng.choice(table)
        if rng.random() < 0.5:
            written, typed = typed, written  # either form may be the one in SDP
        female = written in FEMALE or typed in FEMALE
        rest = _person(rng, female=female, christian=False)[1:] if rng.random() < 0.8 else []
        if (cls == "vowel" and rng.random() < 0.65) or not rest:
            record_words, query_words = [written, *rest], [typed, *rest]  # first word differs
        else:
            rest = rest or [rng.choice(FAMILY)]
            lead = _given(rng, female, christian=False)
            record_words, query_words = [lead, written, *rest], [lead, typed, *rest]
        if not rest and len(record_words) == 1:
            record_words.append(rng.choice(FAMILY))
            query_words.append(record_words[-1])
    elif cls in ("alias_distinct", "alias_shared"):
        record_words = _person(rng)
        if cls == "alias_distinct":
            nickname = NICKNAMES_DISTINCT[serial % len(NICKNAMES_DISTINCT)]
        else:
            nickname = NICKNAMES_SHARED[serial % len(NICKNAMES_SHARED)]
            # the people sharing a nickname sit in different UPTs; the relative names the UPT
            upt = UPTS[(serial // len(NICKNAMES_SHARED)) % len(UPTS)]
            query_upt = upt if rng.random() < 0.5 else f"{upt.split()[0]} {upt.split()[-1]}"
        aliases = [nickname]
        query_words = [nickname]
    elif cls == "old_spelling":
        word = rng.choice(OLD_WORDS)
        record_words = _person(rng, first=word)
        query_words = list(record_words)
        position = 0
        if rng.random() < 0.5:
            record_words[position] = _old_spelling(word, rng)  # SDP copied old papers
        else:
            query_words[position] = _old_spelling(word, rng)  # an older relative writes it
    elif cls == "title":
        record_words = _person(rng)
        query_words = list(record_words)
        before, after = rng.choice(TITLES_BEFORE), rng.choice(DEGREES_AFTER)
        roll = rng.random()
        target = record_words if rng.random() < 0.5 else query_words
        if roll < 0.4:
            target.insert(0, before)
        elif roll < 0.75:
            target[-1] += ","
            target.append(after)
        else:
            target.insert(0, before)
            target[-1] += ","
            target.append(after)
    elif cls == "patronym":
        record_words = _person(rng, first=rng.choice(GIVEN_ARABIC + GIVEN_JAVANESE))
        female = record_words[0] in FEMALE
        father = rng.choice(FATHERS)
        marker = "binti" if female else "bin"
        full = [*record_words, marker, father]
        roll = rng.random()
        if roll < 0.5:
            record_words, query_words = full, record_words  # father left out
        elif roll < 0.75:
            record_words, query_words = full, [*record_words, father]  # without "bin"
        else:
            short = {"bin": "b.", "binti": "bt."}[marker]
            record_words, query_words = full, [*record_words, short, father]
    elif cls == "initial":
        roll = rng.random()
        if roll < 0.4:
            given = _person(rng, female=False, christian=False)
            record_words = ["Muhammad", *given]
            query_words = [rng.choice(("M.", "Moh.", "Muh.", "Mhd.", "Moch.")), *given]
        elif roll < 0.6:
            given = _person(rng, female=True, christian=False)
            record_words = ["Siti", *given]
            query_words = ["St.", *given]
        else:
            record_words = _person(rng)
            while len(record_words) < 3:
                record_words.insert(1, _given(rng, record_words[0] in FEMALE))
            query_words = list(record_words)
            i = rng.randrange(1, len(record_words))
            query_words[i] = record_words[i][0] + "."  # a middle or last name as its initial
    elif cls == "swap":
        record_words = _person(rng, last=rng.choice(FAMILY))
        query_words = [record_words[-1], *record_words[:-1]]  # family name first, as on forms
    elif cls == "typo":
        record_words = _person(rng)
        query_words = list(record_words)
        choices = [i for i, w in enumerate(query_words) if len(w) >= 5 and " " not in w]
        if not choices:
            query_words.append(rng.choice(("Siregar", "Setiawan", "Kurniawan", "Prasetyo")))
            record_words.append(query_words[-1])
            choices = [len(query_words) - 1]
        i = rng.choice(choices)
        query_words[i] = _typo(query_words[i], rng)
    else:
        raise ValueError(cls)
    record = {"name": " ".join(record_words), "aliases": aliases, "upt": upt}
    query = {"name": " ".join(query_words), "upt": query_upt}
    return record, query


SKELETON_FOLDS = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "s"), ("sy", "s"), ("kh", "k"),
                  ("ch", "k"), ("q", "k"), ("f", "p"), ("v", "p"), ("z", "j"), ("y", "j"),
                  ("dh", "d"), ("sh", "s"), ("th", "t"))  # fmt: skip


def skeleton(name: str) -> tuple[str, ...]:
    """A deliberately coarse key (consonants only, sound-alike letters folded, Nur- split off)
    that keeps absent persons clear of anyone a rule above would turn them into."""
    out = []
    words = []
    for word in re.split(r"[^a-z]+", name.lower()):
        if word.startswith("nur") and len(word) >= 7:
            words += ["nur", word[3:]]
        elif word.startswith("abdu") and len(word) >= 8:
            words += ["abdul", word[5:]]
        else:
            words.append(word)
    for word in words:
        if not word or word in ("bin", "binti", "b", "bt"):
            continue
        for old, new in SKELETON_FOLDS:
            word = word.replace(old, new)
        word = re.sub(r"[aeiouh]", "", word)
        word = re.sub(r"(.)\1+", r"\1", word)
        out.append(word)
    return tuple(sorted(w for w in out if w))


def build(seed: int = 14) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    rows: list[dict] = []
    seen: set[str] = set()
    serial = 0
    for cls in CLASSES:
        made = 0
        while made < PER_CLASS:
            serial += 1
            record, query = _case(rng, cls, serial)
            key = record["name"].lower()
            words = key.replace(",", "").split()
            if key in seen or len(set(words)) < len(words) or any(r in key for r in REFUSED):
                continue
            if cls == "alias_distinct" and made >= len(NICKNAMES_DISTINCT):
                break
            seen.add(key)
            made += 1
            rows.append(
                {
                    "part": _split(record["name"]),
                    "class": cls,
                    "registration": f"RW.{CLASSES.index(cls):02d} {serial:05d}/2025",
                    "record_name": record["name"],
                    "record_aliases": ";".join(record["aliases"]),
                    "record_upt": record["upt"],
                    "query_name": query["name"],
                    "query_upt": query["upt"],
                }
            )
    # absent persons: a present person with one distinctive word replaced by another name
    present_keys = {skeleton(r["record_name"]) for r in rows}
    present_keys |= {skeleton(r["query_name"]) for r in rows}
    common = {"muhammad", "siti", "nur", "abdul", "ahmad", "bin", "binti"}
    labelled_names = [r["record_name"] for r in rows] + [
        a for r in rows for a in r["record_aliases"].split(";") if a
    ]
    absent = 0
    while absent < ABSENT:
        base = rng.choice(rows)
        words = base["record_name"].replace(",", "").split()
        words = [w for w in words if not w.endswith(".") and w.lower() not in ("bin", "binti")]
        slots = [i for i, w in enumerate(words) if w.lower() not in common]
        if not slots:
            continue
        i = rng.choice(slots)
        if i == len(words) - 1 and i > 0:
            words[i] = rng.choice(FAMILY)
        else:
            words[i] = _given(rng, words[i] in FEMALE, words[i] in CHRISTIAN)
        if len(set(words)) < len(words):
            continue
        name = " ".join(words)
        if skeleton(name) in present_keys or any(r in name.lower() for r in REFUSED):
            continue
        if not is_clean_absent(name, labelled_names):
            continue
        present_keys.add(skeleton(name))
        absent += 1
        rows.append(
            {
                "part": _split(name),
                "class": "absent",
                "registration": "",
                "record_name": "",
                "record_aliases": "",
                "record_upt": "",
                "query_name": name,
                "query_upt": "",
            }
        )
    return rows


def is_clean_absent(name: str, directory_names: list[str]) -> bool:
    """An absent person shares words with people present but is none of them by the rules:
    neither name's words (as `skeleton`s) are all among the other's — "Widodo Pardede" is not
    absent beside "Toha Widodo Pardede": relatives leave given names out."""
    asked = frozenset(skeleton(name))
    holders: set[int] | None = None
    for word in asked:
        ids = _word_index(tuple(directory_names)).get(word, set())
        holders = set(ids) if holders is None else holders & ids
        if not holders:
            break
    if holders:
        return False
    whole = _name_sets(tuple(directory_names))
    words = sorted(asked)
    for size in range(1, len(words) + 1):
        for subset in itertools.combinations(words, size):
            if frozenset(subset) in whole:
                return False
    return True


@functools.lru_cache(maxsize=2)
def _word_index(directory_names: tuple[str, ...]) -> dict[str, set[int]]:
    index: dict[str, set[int]] = {}
    for i, name in enumerate(directory_names):
        for word in skeleton(name):
            index.setdefault(word, set()).add(i)
    return index


@functools.lru_cache(maxsize=2)
def _name_sets(directory_names: tuple[str, ...]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(skeleton(name)) for name in directory_names)


def read_cases(path: Path = CASES) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def main() -> int:
    rows = build()
    with CASES.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} cases written to {CASES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
