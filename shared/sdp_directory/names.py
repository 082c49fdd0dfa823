"""Indonesian name normalisation for matching.

A requester types the prisoner's name from memory; SDP holds it the way a clerk wrote it.
Both sides go through the same steps so that "H. Moch. Joesoef bin Achmad, S.H." and
"Muhammad Yusuf" meet at the same tokens:

- case, accents, punctuation; apostrophes dropped ("Ma'ruf" = "Maruf");
- honorifics and degrees removed (H., Hj., Drs., Ir., S.H., S.Pd., Tb., R., ...);
- "alias" / "als" / "@" and a nickname in brackets split into separate names;
- "bin" / "binti" / "bt" mark where the father's name starts (often left out by requesters);
- old spelling (oe→u, dj→j, tj→c, sj→sy, ch→kh and j→y inside old-spelled words);
- doubled letters collapsed; common variants mapped to one form
  (Muhammad/Mohammad/Muhamad/Moh./Moch./M., Ahmad/Achmad, Abdul/Abd., Nur/Noor, ...);
- Arabic compounds with the article split the same way however they were written
  ("Abdurrahim", "Abdurahim", "Abdul Rahim", "Abdur Rahim" → abdul rahim; "Nurjanah" → nur
  janah), following the sun-letter assimilation of al- (ar-, as-, at-, ad-, an-, az-).

`sound_fold` is not a normalisation but a key for *similar* words: the vowels and consonants
that regional pronunciation swaps (Javanese a/o, e/i, u/o; Sundanese f/p, v/p, z/j, sy/s;
Arabic kh/k, q/k, dz/z, ai/ae/e) fold together, so the matcher can find "Rohim" for "Rahim" and
"Pauji" for "Fauzi" without calling them identical.

Each step that changed something leaves a tag, so the operator can be told *why* two
spellings were treated as the same name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# tags for the reasons shown to the operator
TITLE_REMOVED = "gelar"
OLD_SPELLING = "ejaan_lama"
VARIANT_SPELLING = "varian_ejaan"
DOUBLE_LETTERS = "huruf_ganda"
PATRONYM = "bin_binti"
COMPOUND = "kata_majemuk"

TITLES = frozenset(
    {
        # religious and honorific
        "hj", "haji", "hajah", "hajjah", "kh", "ust", "ustad", "ustadz", "ustaz", "ustadzah",
        "tb", "tubagus", "raden", "rr", "ra", "rm", "bpk", "bapak", "ibu", "sdr", "sdri",
        "tn", "ny", "nn", "almarhum", "alm", "almh",
        # academic and professional
        "dr", "drs", "dra", "ir", "prof", "sh", "shi", "se", "sei", "spd", "spdi", "sag", "sos",
        "ssos", "sip", "skom", "st", "sp", "ssi", "sked", "skep", "sfarm", "mh", "mm",
        "msi", "mpd", "mpdi", "mag", "mkes", "mt", "amd", "amdkeb", "amdkep", "lc", "bsc",
        "mba", "phd", "ak", "cpa", "ssy", "sth",
    }
)  # fmt: skip
# ambiguous as titles: only when they open the name ("H. Ahmad", "R. Soeprapto")
LEADING_TITLES = frozenset({"h", "r"})
PATRONYM_MARKERS = frozenset({"bin", "binti", "bt", "bte", "binte", "bint"})
ALIAS_SPLIT = re.compile(r"\b(?:alias|als)\b\.?|@|/|\(|\)")

VARIANTS = {
    "muhammad": (
        "muhamad",
        "mohamad",
        "mohamed",
        "muhamed",
        "mukhamad",
        "mokhamad",
        "mohd",
        "moh",
        "mokh",
        "mukh",
        "muh",
        "mhd",
        "mhmd",
        "md",
        "m",
    ),
    "ahmad": ("akhmad", "ahmat", "akhmat", "ahmed", "amad"),
    "abdul": ("abd", "abdoel"),
    "nur": ("nor", "nour", "noer"),
    "siti": ("sity",),
    "yusuf": ("yusup", "yoesoef"),
    "rahman": ("rakhman",),
    "rahmat": ("rakhmat",),
    "khairul": ("hairul",),
    "syaiful": ("saiful", "syaifol", "saifuly"),
    "zainal": ("zaenal",),
    "taufik": ("taufiq", "topik"),
    "rizki": ("rizky", "rizqi", "rezki", "rezky", "risky", "riski"),
    "dewi": ("dewy",),
    "eko": ("echo",),
}
VARIANT_OF = {variant: canonical for canonical, group in VARIANTS.items() for variant in group}

# Old-spelled words that carry j=y without any other old-spelling marker.
OLD_J_WORDS = frozenset({"jusuf", "jahja", "jahya", "jakub", "jasin", "junus"})
OLD_MARKERS = ("oe", "dj", "tj", "sj")


@dataclass(frozen=True)
class NameVariant:
    """One way the person is called: the main name or an alias, as canonical tokens."""

    tokens: tuple[str, ...]
    patronym_start: int  # tokens from here on are the father's name (after bin/binti)
    is_alias: bool
    is_split: bool = False  # words the query ran together, split by the matcher

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class NormalisedName:
    raw: str
    variants: tuple[NameVariant, ...]
    tags: frozenset[str]

    @property
    def main(self) -> NameVariant | None:
        return self.variants[0] if self.variants else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=200_000)
def canonical_token(token: str) -> tuple[str, frozenset[str]]:
    """A lower-case alphanumeric token in canonical spelling, with the tags of what changed."""
    tags: set[str] = set()
    word = token
    if any(marker in word for marker in OLD_MARKERS) or word in OLD_J_WORDS:
        old = word
        word = word.replace("dj", "\0").replace("tj", "c").replace("sj", "sy").replace("nj", "ny")
        word = word.replace("j", "y").replace("\0", "j").replace("oe", "u")
        if word != old:
            tags.add(OLD_SPELLING)
    if "ch" in word:
        word = word.replace("ch", "kh")
        tags.add(OLD_SPELLING)
    collapsed = re.sub(r"(.)\1+", r"\1", word)
    if collapsed != word:
        tags.add(DOUBLE_LETTERS)
        word = collapsed
    if word in VARIANT_OF:
        word = VARIANT_OF[word]
        tags.add(VARIANT_SPELLING)
    if word == token:
        return token, frozenset()  # e.g. "muhammad" collapses and comes back unchanged
    return word, frozenset(tags)


# First elements of Arabic compounds written with the article (ʿAbd al-, Fath al-, Nūr al-, ...)
_ARTICLE_STEMS = (
    "abd", "fath", "habib", "mujib", "ain", "khoir", "khair", "khoer", "khaer", "miftah", "zain",
    "zaen", "syams", "sams", "badr", "nasr", "saif", "syaif", "amir", "husn", "ikhwan", "fakhr",
    "lutf", "aziz", "nur", "syihab", "sihab", "jamal", "kamal", "ihsan", "hasbul", "zuhr",
)  # fmt: skip
_SUN_LETTERS = "tdrzsnl"  # al- assimilates before these (and sy, sh): ar-Rahman, as-Salam
_COMPOUND = re.compile(
    r"(?P<stem>" + "|".join(sorted(_ARTICLE_STEMS, key=len, reverse=True)) + r")"
    r"(?:ul(?P<moon>[a-z]{3,})|u(?P<sun>[" + _SUN_LETTERS + r"])(?P=sun)?(?P<rest>[a-z]{3,}))"
)
_ARTICLE_ONLY = re.compile(r"(?P<stem>" + "|".join(_ARTICLE_STEMS) + r")u[" + _SUN_LETTERS + r"]")
# "Nurjanah", "Nurhayati": nur fused with a whole name, no article
_NUR_FUSED = re.compile(r"nur(?!ul|ud|ut|us|ur)(?P<rest>[a-z]{4,})")
_KEEP_WHOLE = frozenset({"abdullah", "abdulah", "nasrullah", "nasrulah", "saifullah"})


def split_compound(word: str) -> list[str]:
    """'abdurrahman' -> ['abdul', 'rahman']; 'nurulhuda' -> ['nurul', 'huda']; 'abdur' ->
    ['abdul']; 'syamsuddin' stays (the -uddin names are one word however they are spelt)."""
    if word in _KEEP_WHOLE:
        return [word]
    found = _COMPOUND.fullmatch(word)
    if found:
        stem = found["stem"]
        if found["moon"]:
            rest = found["moon"]
        else:
            rest = found["sun"] + found["rest"]
            if rest[1] == rest[0]:
                rest = rest[1:]  # the optional doubling gave way to a longer rest
            if len(rest) < 4 or rest.startswith(("din", "in")):
                return [word]  # Syamsuddin, Nurudin: the name is the compound itself
        if rest.startswith("lah") and len(rest) <= 4:
            return [word]  # ...ullah
        return [stem + "ul", rest]
    if _ARTICLE_ONLY.fullmatch(word):
        return [word[:-2] + "ul"]  # "Abdur Rahman", "Fathur Rohman": the article stays apart
    found = _NUR_FUSED.fullmatch(word)
    if found and not found["rest"].startswith(("din", "udin", "hadi")):
        return ["nur", found["rest"]]
    return [word]


# Diphthongs fold to capitals (E, O, I) so that `sound_variants` can tell a vowel that was a
# diphthong from a single vowel: ai/ae/e are one sound (Zainal/Zaenal/Zenal), but the e of a
# folded "ai" must not then alternate with i as a single e does ("Asmaianto" is not "Asmianto").
_SOUND_DIGRAPHS = (
    ("sy", "s"), ("sh", "s"), ("ts", "s"), ("kh", "k"), ("gh", "g"), ("dh", "d"), ("dz", "z"),
    ("th", "t"), ("ph", "f"), ("ie", "I"), ("ai", "E"), ("ae", "E"), ("ei", "E"), ("au", "O"),
    ("q", "k"), ("x", "ks"), ("v", "f"), ("f", "p"), ("z", "j"), ("y", "i"),
)  # fmt: skip
# y between vowels is a consonant (Kayah, Bayu) and stays y; elsewhere it is read as i (Rizky/
# Rizki, Maryam/Mariam) and the glide after i is often not written (Zakiyah/Zakiah). Folding every
# y to i let the doubled-letter step swallow whole syllables: "Kayiyah" became "Kayah".
_CONSONANT_Y = re.compile(r"(?<=[aeou])y(?=[aeiou])")


@lru_cache(maxsize=200_000)
def _marked_fold(token: str) -> str:
    word = _CONSONANT_Y.sub("Y", token)
    for old, new in _SOUND_DIGRAPHS:
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)
    if len(word) > 3 and word.endswith("h") and word[-2] in "aiueoEOI":
        word = word[:-1]  # Fatimah / Fatima: the tā' marbūṭa is often not written
    if word.endswith("j"):
        word = word[:-1] + "s"  # a final z is said s in Sundanese: Aziz / Ajis
    return word.replace("Y", "y")


@lru_cache(maxsize=200_000)
def sound_fold(token: str) -> str:
    """The token with sound-alike consonants folded; vowels kept (see `sound_variants`)."""
    return re.sub(r"(.)\1+", r"\1", _marked_fold(token).lower())


def sound_key(token: str) -> str:
    """A coarse bucket for `sound_fold`: vowels a/o/u and e/i folded too."""
    return sound_fold(token).translate(_VOWEL_CLASS)


_VOWEL_CLASS = str.maketrans("aoeiu", "aaiia")
_VOWEL_PAIRS = frozenset({("a", "o"), ("o", "a"), ("o", "u"), ("u", "o"), ("e", "i"), ("i", "e")})


def sound_variants(a: str, b: str) -> bool:
    """Whether two tokens differ only in the ways regional pronunciation changes names:
    the folded consonants, and single vowels a/o, u/o, e/i (never a/u or a/i; never a vowel
    that stands for a diphthong)."""
    if sound_fold(a) == sound_fold(b):
        return True
    ma, mb = _marked_fold(a), _marked_fold(b)
    if len(ma) != len(mb):
        return False
    return all(
        x == y or (x, y) in _VOWEL_PAIRS or x.lower() == y.lower()
        for x, y in zip(ma, mb, strict=True)
    )


def _raw_tokens(part: str) -> list[str]:
    """Words of one name part, keeping dotted abbreviations ("s.h.", "moh.") recognisable."""
    words: list[str] = []
    for chunk in re.split(r"[\s,;]+", part):
        chunk = chunk.replace("'", "").replace("`", "").replace("’", "")
        if not chunk:
            continue
        pieces = [p for p in re.split(r"[^a-z0-9.]+", chunk) if p.strip(".")]
        for piece in pieces:
            joined = piece.replace(".", "")
            if joined in TITLES or "." not in piece.strip("."):
                words.append(joined)
            else:
                # "H.Ahmad" or "M.Yusuf": dots glue words together
                words.extend(p for p in piece.split(".") if p)
    return [w for w in words if w]


def _normalise_part(part: str, is_alias: bool, tags: set[str]) -> NameVariant | None:
    words = _raw_tokens(part)
    tokens: list[str] = []
    patronym_start: int | None = None
    for position, word in enumerate(words):
        if word in TITLES or (position == 0 and word in LEADING_TITLES and len(words) > 1):
            tags.add(TITLE_REMOVED)
            continue
        if word in PATRONYM_MARKERS and tokens and position < len(words) - 1:
            if patronym_start is None:
                patronym_start = len(tokens)
            tags.add(PATRONYM)
            continue
        if word == "b" and tokens and patronym_start is None and position < len(words) - 1:
            patronym_start = len(tokens)  # "Ahmad b. Hasan"
            tags.add(PATRONYM)
            continue
        pieces = split_compound(word)
        if len(pieces) > 1 or pieces[0] != word:
            tags.add(COMPOUND)
        for piece in pieces:
            canonical, token_tags = canonical_token(piece)
            tags.update(token_tags)
            tokens.append(canonical)
    if not tokens:
        return None
    return NameVariant(
        tokens=tuple(tokens),
        patronym_start=len(tokens) if patronym_start is None else patronym_start,
        is_alias=is_alias,
    )


@lru_cache(maxsize=4096)
def normalise_name(raw: str, aliases: tuple[str, ...] = ()) -> NormalisedName:
    """Every name the person goes by, canonicalised. The first variant is the main name."""
    tags: set[str] = set()
    variants: list[NameVariant] = []
    parts = [(p, i > 0) for i, p in enumerate(ALIAS_SPLIT.split(_fold(raw)))]
    parts += [(p, True) for alias in aliases for p in ALIAS_SPLIT.split(_fold(alias))]
    for part, is_alias in parts:
        variant = _normalise_part(part, is_alias, tags)
        if variant and variant.tokens not in {v.tokens for v in variants}:
            variants.append(variant)
    return NormalisedName(raw=raw, variants=tuple(variants), tags=frozenset(tags))


def raw_words(raw: str) -> set[str]:
    """The name's words as written (lower case, no punctuation): to tell whether a match needed
    normalisation at all."""
    return {w for w in re.split(r"[^a-z0-9]+", _fold(raw).replace("'", "")) if w}
