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
  (Muhammad/Mohammad/Muhamad/Moh./Moch./M., Ahmad/Achmad, Abdul/Abd., Nur/Noor, ...).

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
        canonical, token_tags = canonical_token(word)
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
