"""Ranking an index's records against a requester's query.

Two stages, so a lookup over 300,000 records stays in milliseconds:

1. candidate pool: each query token is compared (rapidfuzz) with the index vocabulary, and
   the postings of similar tokens add up an IDF-weighted score per record in a numpy array;
2. rescoring: the best few dozen records are scored properly — tokens aligned one to one,
   coverage of the query *and* of the record's name, father's name (bin/binti) optional,
   aliases as separate names, merged/split words — then helpers the requester gave
   (birth date, UPT, registration number) move the score up or down.

A score at or above `MatchPolicy.good_match` is a "good match"; an absent person should
have none. Every candidate carries short Indonesian reasons for the operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from shared.domain.sdp import SdpCandidate, SdpQuery
from shared.sdp_directory import names
from shared.sdp_directory.index import NO_DATE, SdpIndex, date_to_int, normalise_upt

REGISTRATION_SAME = "nomor registrasi sama"


@dataclass(frozen=True)
class MatchPolicy:
    """The tunable knobs. Tuned with `evaluate --seed <tuning seed>`, reported on another."""

    # a candidate at or above this is a "good match" (tuned on synthetic seed 1 and the
    # rule-written set's tuning part)
    good_match: float = 81.5
    show_floor: float = 40.0  # candidates below this are not shown at all
    token_cutoff: float = 70.0  # rapidfuzz ratio below which two words do not match
    pool: int = 60  # records rescored per query
    pool_words_per_token: int = 12  # most similar directory words per query word, for pooling
    common_postings: int = 5_000  # words in more records than this do not draw candidates
    query_weight: float = 0.6  # share of the name score from covering the query's words
    patronym_weight: float = 0.35  # a father's name left out costs this much of a word
    initial_similarity: float = 0.75  # "M" against "Mulyadi"
    # "Rohim" for "Rahim", "Pauji" for "Fauzi": regional pronunciation, not a typo (names.py)
    sound_similarity: float = 0.9
    # A word that is itself a name in the directory is probably meant as that name: "Dadi"
    # is less likely a typo of "Hadi" than "Hdi" is.
    known_word_penalty: float = 0.25
    # nicknames are shared by many: an alias alone must not make a good match by itself
    # people rarely get the first letter wrong; different names often differ there (Dadi/Hadi)
    first_letter_penalty: float = 0.1
    alias_factor: float = 0.78
    # an alias no more than this many records carry is as telling as a name
    alias_distinct_max: int = 2
    alias_distinct_factor: float = 0.95
    upt_pool_bonus: float = 0.5  # in the pool, ties between namesakes go to the asked UPT
    both_names_bonus: float = 15.0
    merged_min_ratio: float = 90.0  # words run together must agree this well letter by letter
    # The ratio counts an inserted letter as half a wrong one, so three letters put in look as
    # close as one wrong letter ("Ajianto"/"Aslijianto" 82, "Rahmad"/"Rahmat" 83). A misspelling
    # is one edit, seldom two (Damerau 1964, letters swapped count once); past that, each further
    # edit costs this much: a third edit makes another name, not a slip of the finger.
    typo_edits: int = 2
    extra_edit_penalty: float = 0.05
    birth_same: float = 12.0
    birth_close: float = 3.0
    birth_different: float = -15.0
    upt_same: float = 6.0
    upt_different: float = -4.0
    registration_same: float = 35.0


@dataclass
class _NameMatch:
    score: float = 0.0
    variant_tokens: tuple[int, ...] = ()
    is_alias: bool = False
    distinct_alias: bool = False
    sound_alike: bool = False
    typo: bool = False
    record_words_missing: bool = False
    only_patronym_missing: bool = False
    query_words_unmatched: bool = False
    swapped: bool = False
    merged: bool = False
    both_names: bool = False


@dataclass
class _Scored:
    position: int
    score: float
    name: _NameMatch
    reasons: list[str] = field(default_factory=list)


def search_index(
    index: SdpIndex, query: SdpQuery, limit: int = 5, policy: MatchPolicy | None = None
) -> list[SdpCandidate]:
    policy = policy or MatchPolicy()
    if len(index) == 0 or limit <= 0:
        return []
    normalised = names.normalise_name(query.prisoner_name or "")
    split = _split_variants(index, normalised)
    if split:
        normalised = replace(normalised, variants=normalised.variants + tuple(split))
    query_tokens = sorted({t for v in normalised.variants for t in v.tokens})
    similar = {token: _similar_vocab(index, token, policy) for token in query_tokens}

    upt_same = _upt_verdicts(index, query.upt)
    pool = _candidate_pool(index, query, similar, policy, upt_same)
    birth = date_to_int(query.birth_date) if query.birth_date else None
    registration_hits = (
        set(index.find_registration(query.registration_number))
        if query.registration_number
        else set()
    )

    scored: list[_Scored] = []
    for position in pool:
        match = _best_name_match(index, position, normalised, similar, policy)
        item = _Scored(position, match.score, match)
        if birth is not None:
            _apply_birth(item, index, birth, query.birth_date, policy)
        if upt_same is not None:
            if upt_same[int(index.upt_id[position])]:
                item.score += policy.upt_same
                item.reasons.append("UPT sama")
            else:
                item.score += policy.upt_different
                item.reasons.append("UPT berbeda")
        if position in registration_hits:
            item.score += policy.registration_same
            item.reasons.append(REGISTRATION_SAME)
        item.score = max(0.0, min(100.0, item.score))
        if item.score >= policy.show_floor:
            scored.append(item)

    scored.sort(key=lambda s: (-s.score, s.position))
    return [_candidate(index, item, normalised, query, policy) for item in scored[:limit]]


# --- stage 1: candidate pool -----------------------------------------------------------------


def _similar_vocab(index: SdpIndex, token: str, policy: MatchPolicy) -> dict[int, float]:
    """Vocabulary ids similar to this query word, with similarity 0..1."""
    if len(token) == 1:
        return {}  # an initial matches too many words to pool on; rescoring handles it
    found = process.extract(
        token, index.vocab, scorer=fuzz.ratio, score_cutoff=policy.token_cutoff, limit=None
    )
    known = token in index.vocab_id
    token_jy = token.replace("j", "y")
    similar: dict[int, float] = {}
    for word, score, vocab_id in found:
        similarity = score / 100.0
        if similarity < 1.0:
            if word.replace("j", "y") == token_jy:
                similarity = 0.97  # j/y: old spelling the normaliser could not be sure of
            elif names.sound_variants(token, word):
                similarity = policy.sound_similarity
            else:
                extra = OSA.distance(token, word) - policy.typo_edits
                if extra > 0:
                    similarity -= policy.extra_edit_penalty * extra
                if known:
                    similarity -= policy.known_word_penalty
                if word[0] != token[0]:
                    similarity -= policy.first_letter_penalty
        if similarity > 0:
            similar[vocab_id] = similarity
    # sound-alikes too far apart letter by letter for the ratio: "Pauji" / "Fauzi"
    for vocab_id in index.sound_bucket(token):
        if vocab_id not in similar and names.sound_variants(token, index.vocab[vocab_id]):
            similar[vocab_id] = policy.sound_similarity
    return similar


def _split_variants(index: SdpIndex, query: names.NormalisedName) -> list[names.NameVariant]:
    """'Nurhayati Lubis' may be 'Nur Hayati Lubis' in SDP: split words the directory does not
    know into two words it does."""
    extra: list[names.NameVariant] = []
    for variant in query.variants:
        tokens = list(variant.tokens)
        changed = False
        for token in variant.tokens:
            if len(token) < 6 or token in index.vocab_id:
                continue
            for cut in range(3, len(token) - 2):
                left = names.canonical_token(token[:cut])[0]
                right = names.canonical_token(token[cut:])[0]
                if left in index.vocab_id and right in index.vocab_id:
                    position = tokens.index(token)
                    tokens[position : position + 1] = [left, right]
                    changed = True
                    break
        if changed:
            extra.append(
                names.NameVariant(tuple(tokens), len(tokens), variant.is_alias, is_split=True)
            )
    return extra


def _candidate_pool(
    index: SdpIndex,
    query: SdpQuery,
    similar: dict[str, dict[int, float]],
    policy: MatchPolicy,
    upt_same: list[bool] | None = None,
) -> list[int]:
    # np.zeros is lazily zeroed memory: cheap even for 300,000 records, and per call so
    # concurrent lookups in one instance never share a scratch array
    total = np.zeros(len(index), dtype=np.float32)
    touched: list[np.ndarray] = []
    selective: list[np.ndarray] = []
    # At a million records "muhammad" alone has ~100,000 postings: they still add to the
    # scores, but candidates are drawn from the rarer words' postings when there are any,
    # which keeps the selection below a few milliseconds.
    common = max(policy.common_postings, len(index) // 50)
    for matches in similar.values():
        strongest = sorted(matches.items(), key=lambda item: -item[1])
        for vocab_id, similarity in strongest[: policy.pool_words_per_token]:
            postings = index.postings(vocab_id)
            total[postings] += np.float32(similarity * index.idf[vocab_id])
            touched.append(postings)
            if len(postings) <= common:
                selective.append(postings)
    chosen: dict[int, None] = {}
    if touched:
        ids = np.concatenate(selective or touched)
        if upt_same is not None and any(upt_same):
            in_upt = np.asarray(upt_same, dtype=bool)[index.upt_id[ids]]
            # once per record, however many of its words matched
            total[np.unique(ids[in_upt])] += np.float32(policy.upt_pool_bonus)
        scores = total[ids]
        # a record appears once per matching word: take enough to fill the pool after dedup
        take = min(len(ids), policy.pool * 4)
        top = np.argpartition(-scores, take - 1)[:take]
        top = top[np.argsort(-scores[top], kind="stable")]
        for position in ids[top].tolist():
            chosen.setdefault(position, None)
            if len(chosen) >= policy.pool:
                break
        if query.birth_date:
            # a weaker name match with the right birth date deserves a look
            same_birth = ids[index.birth[ids] == date_to_int(query.birth_date)]
            if len(same_birth):
                strongest_birth = same_birth[np.argsort(-total[same_birth])[:20]]
                for position in strongest_birth.tolist():
                    chosen.setdefault(position, None)
    if query.registration_number:
        for position in index.find_registration(query.registration_number):
            chosen.setdefault(position, None)
    return list(chosen)


# --- stage 2: rescoring ----------------------------------------------------------------------


def _best_name_match(
    index: SdpIndex,
    position: int,
    query: names.NormalisedName,
    similar: dict[str, dict[int, float]],
    policy: MatchPolicy,
) -> _NameMatch:
    best = _NameMatch()
    best_main = best_alias = 0.0
    for record_tokens, patronym_start, is_alias in index.variants(position):
        best_here = _NameMatch()
        for variant in query.variants:
            match = _name_match(
                index, variant.tokens, record_tokens, patronym_start, similar, policy
            )
            match.is_alias = is_alias
            match.merged = match.merged or variant.is_split
            if is_alias:
                match.distinct_alias = _alias_is_distinct(index, record_tokens, policy)
                match.score *= (
                    policy.alias_distinct_factor if match.distinct_alias else policy.alias_factor
                )
            if match.score > best_here.score:
                best_here = match
        if is_alias:
            factor = (
                policy.alias_distinct_factor if best_here.distinct_alias else policy.alias_factor
            )
            best_alias = max(best_alias, best_here.score / factor)
        else:
            best_main = max(best_main, best_here.score)
        if best_here.score > best.score:
            best = best_here
    if len(query.variants) > 1 and best_alias >= 95.0 and best_main >= 60.0:
        # "Budi alias Gondrong" and SDP knows both names of the same person
        best.score = min(100.0, best_main + policy.both_names_bonus)
        best.both_names = True
    return best


def _alias_is_distinct(index: SdpIndex, alias_tokens: tuple[int, ...], policy) -> bool:
    """Whether at most `alias_distinct_max` records carry every word of this alias."""
    if not alias_tokens:
        return False
    postings = sorted((index.postings(t) for t in set(alias_tokens)), key=len)
    holders = postings[0]
    if len(holders) <= policy.alias_distinct_max:
        return True
    for other in postings[1:]:
        holders = np.intersect1d(holders, other, assume_unique=True)
        if len(holders) <= policy.alias_distinct_max:
            return True
    return False


def _token_similarity(index: SdpIndex, query_token: str, vocab_id: int, similar, policy) -> float:
    found = similar.get(query_token, {}).get(vocab_id)
    if found is not None:
        return found
    record_token = index.vocab[vocab_id]
    if len(query_token) == 1 and record_token.startswith(query_token):
        return policy.initial_similarity
    if len(record_token) == 1 and query_token.startswith(record_token):
        return policy.initial_similarity
    return 0.0


def _name_match(
    index: SdpIndex,
    query_tokens: tuple[str, ...],
    record_tokens: tuple[int, ...],
    patronym_start: int,
    similar: dict[str, dict[int, float]],
    policy: MatchPolicy,
) -> _NameMatch:
    pairs = []
    for i, q in enumerate(query_tokens):
        known = similar.get(q, {})
        for j, vocab_id in enumerate(record_tokens):
            similarity = known.get(vocab_id)
            if similarity is None:
                if len(q) > 1 and vocab_id not in index.initials:
                    continue
                similarity = _token_similarity(index, q, vocab_id, similar, policy)
            if similarity > 0:
                pairs.append((similarity, i, j))
    pairs.sort(reverse=True)
    query_match: dict[int, tuple[int, float]] = {}
    record_match: dict[int, float] = {}
    for similarity, i, j in pairs:  # greedy one-to-one alignment, best pairs first
        if i not in query_match and j not in record_match:
            query_match[i] = (j, similarity)
            record_match[j] = similarity

    idf = index.idf
    query_weight = query_covered = 0.0
    for i, q in enumerate(query_tokens):
        if i in query_match:
            j, similarity = query_match[i]
            weight = float(idf[record_tokens[j]])
            query_covered += weight * similarity
        else:
            known = index.vocab_id.get(q)
            weight = float(idf[known]) if known is not None else index.max_idf
        query_weight += weight
    record_weight = record_covered = 0.0
    for j, vocab_id in enumerate(record_tokens):
        weight = float(idf[vocab_id]) * (policy.patronym_weight if j >= patronym_start else 1.0)
        record_weight += weight
        record_covered += weight * record_match.get(j, 0.0)

    query_cov = query_covered / query_weight if query_weight else 0.0
    record_cov = record_covered / record_weight if record_weight else 0.0
    result = _NameMatch(variant_tokens=record_tokens)
    result.score = 100.0 * (
        policy.query_weight * query_cov + (1 - policy.query_weight) * record_cov
    )
    result.sound_alike = any(s == policy.sound_similarity for _, s in query_match.values())
    result.typo = any(s < 1.0 and s != policy.sound_similarity for _, s in query_match.values())
    missing = [j for j in range(len(record_tokens)) if j not in record_match]
    result.record_words_missing = bool(missing)
    result.only_patronym_missing = bool(missing) and all(j >= patronym_start for j in missing)
    result.query_words_unmatched = len(query_match) < len(query_tokens)
    order = [query_match[i][0] for i in sorted(query_match)]
    if order != sorted(order):
        result.swapped = True
        result.score -= 2.0  # same words, other order: slightly less sure

    # "Nurhayati" against "Nur Hayati": compare the words run together
    # (only when the word counts differ: a long run-together string would hide a whole
    # different word, "Muhammad Opan Mangunsong" is not "Muhammad Nyoman Mangunsong")
    if result.score < 95:
        query_joined = "".join(query_tokens)
        for end in {patronym_start, len(record_tokens)}:
            if end == len(query_tokens):
                continue
            record_joined = "".join(index.vocab[t] for t in record_tokens[:end])
            if abs(len(record_joined) - len(query_joined)) > 3:
                continue
            ratio = fuzz.ratio(query_joined, record_joined)
            if ratio >= policy.merged_min_ratio:
                merged_score = ratio * 0.97 - (0 if end == len(record_tokens) else 3)
                if merged_score > result.score:
                    result = _NameMatch(
                        score=merged_score,
                        variant_tokens=record_tokens,
                        merged=True,
                        typo=ratio < 100,
                        only_patronym_missing=end < len(record_tokens),
                        record_words_missing=end < len(record_tokens),
                    )
    return result


def _apply_birth(item: _Scored, index: SdpIndex, birth: int, asked: date, policy) -> None:
    recorded = int(index.birth[item.position])
    if recorded == NO_DATE:
        return
    if recorded == birth:
        item.score += policy.birth_same
        item.reasons.append("tanggal lahir sama")
        return
    known = date.fromordinal(recorded + date(1970, 1, 1).toordinal())
    swapped = (known.day, known.month) == (asked.month, asked.day) and known.year == asked.year
    one_part_off = sum(
        (known.day != asked.day, known.month != asked.month, known.year != asked.year)
    ) == 1 and (abs(known.year - asked.year) <= 1 or known.year == asked.year)
    if swapped or one_part_off:
        item.score += policy.birth_close
        item.reasons.append("tanggal lahir mirip (mungkin salah tulis)")
    else:
        item.score += policy.birth_different
        item.reasons.append("tanggal lahir berbeda")


def _upt_verdicts(index: SdpIndex, upt: str | None) -> list[bool] | None:
    if not upt or not upt.strip():
        return None
    asked = normalise_upt(upt)
    if not asked:
        return None
    return [fuzz.token_set_ratio(asked, key) >= 90 or asked == key for key in index.upt_keys]


# --- reasons ---------------------------------------------------------------------------------


def _candidate(
    index: SdpIndex,
    item: _Scored,
    query: names.NormalisedName,
    asked: SdpQuery,
    policy: MatchPolicy,
) -> SdpCandidate:
    record = index.record(item.position)
    # the strongest evidence first: a registration number, then the name, then the helpers
    reasons = [r for r in item.reasons if r == REGISTRATION_SAME]
    reasons += _name_reasons(index, item.name, query, record.name, record.aliases)
    reasons += [r for r in item.reasons if r != REGISTRATION_SAME]
    good = item.score >= policy.good_match
    if not good:
        reasons.append("kemiripan rendah, periksa dengan teliti")
    return SdpCandidate(
        registration_number=record.registration_number,
        name=record.name,
        score=round(item.score, 1),
        reasons=tuple(reasons),
        upt=record.upt,
        birth_date=record.birth_date,
        status=record.status.value,
        extra={"good_match": good, "record": record.to_dict()},
    )


def _name_reasons(
    index: SdpIndex,
    match: _NameMatch,
    query: names.NormalisedName,
    record_name: str,
    aliases: tuple[str, ...],
) -> list[str]:
    reasons: list[str] = []
    if match.both_names:
        reasons.append("nama dan alias sama-sama cocok")
    elif match.is_alias:
        alias_text = " ".join(index.vocab[t] for t in match.variant_tokens).title()
        if match.distinct_alias:
            reasons.append(f"cocok dengan alias khas “{alias_text}” (hampir tidak ada yang lain)")
        else:
            reasons.append(f"cocok dengan alias “{alias_text}”")
    record_norm = names.normalise_name(record_name, aliases)
    exact_words = names.raw_words(query.raw) <= names.raw_words(" ".join((record_name, *aliases)))
    clean = not (match.typo or match.query_words_unmatched or match.merged)
    if clean and not match.record_words_missing and exact_words and not match.swapped:
        reasons.append("nama sama persis")
    elif clean and not exact_words:
        tags = query.tags | record_norm.tags
        detail = [
            text
            for tag, text in (
                (names.OLD_SPELLING, "ejaan lama"),
                (names.VARIANT_SPELLING, "varian ejaan (mis. Muhammad/Moh.)"),
                (names.DOUBLE_LETTERS, "huruf ganda"),
                (names.COMPOUND, "nama majemuk Arab digabung/dipisah"),
            )
            if tag in tags
        ]
        reasons.append(
            "nama cocok setelah normalisasi " + ", ".join(detail) if detail else "nama cocok"
        )
        if names.TITLE_REMOVED in tags:
            reasons.append("gelar diabaikan")
    elif clean:
        reasons.append("nama cocok")
    if match.sound_alike:
        reasons.append("ejaan sesuai lafal daerah (mis. Rahim/Rohim, Fauzi/Pauji)")
    if match.merged:
        reasons.append("penulisan nama digabung/dipisah berbeda")
    if match.typo:
        reasons.append("ada salah ketik kecil pada nama")
    if match.swapped:
        reasons.append("urutan nama berbeda")
    if match.only_patronym_missing:
        reasons.append("nama ayah (bin/binti) tidak disebut")
    elif match.record_words_missing:
        reasons.append("sebagian nama tidak disebut")
    if match.query_words_unmatched:
        reasons.append("ada bagian nama yang tidak ditemukan")
    return reasons
