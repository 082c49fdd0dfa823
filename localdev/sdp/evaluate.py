"""Quality of the matching on two labelled sets, beside a plain rapidfuzz baseline.

    python -m localdev.sdp.evaluate                  # both sets, both parts: the report
    python -m localdev.sdp.evaluate --part tuning    # while tuning: the held-out part unseen

1. synthetic: records of the synthetic generator, queried the way its own perturbations type
   them (seed 2 is the reporting seed; tune on seed 1);
2. rule-written: `labelled/cases.tsv`, pairs written from documented rules of how Indonesian
   names vary (labelled/README.md), inserted among synthetic background records. Its held-out
   part is never used for tuning; misses are listed for the tuning part only.

Per class: top-1 and top-3 with a good match, top-3 at any score; for absent persons the share
with no good match. The baseline ranks every record by rapidfuzz `token_set_ratio` over the
name and aliases (brute force, names only) with the lowest threshold that keeps absent persons
on the *tuning* part at the same bar (>= 0.97) — the matcher's own bar.
The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process, utils

from localdev.sdp.labelled.write import is_clean_absent, read_cases
from localdev.sdp.synthetic import absent_person, generate_records, perturbed_query_name
from shared.domain.sdp import SdpQuery
from shared.sdp_directory.directory import SnapshotSdpDirectory
from shared.sdp_directory.index import build_index
from shared.sdp_directory.matching import MatchPolicy
from shared.sdp_directory.names import normalise_name
from shared.sdp_directory.records import CustodyStatus, SdpRecord

REPORT_SEED = 2
RULE_BACKGROUND_SEED = 3
ABSENT_BAR = 0.97
PERTURBATION_WEIGHTS = {
    "typo": 30,
    "drop": 20,
    "swap": 8,
    "variant": 20,
    "alias": 6,
    "title": 6,
    "merge": 6,
    "case": 6,
    "exact": 8,
}


@dataclass(frozen=True)
class LabelledQuery:
    query: SdpQuery
    expected: str | None  # registration number, None for an absent person
    kinds: tuple[str, ...]
    part: str = "synthetic"


# --- the synthetic set -----------------------------------------------------------------------


def labelled_queries(
    records: list[SdpRecord], seed: int, present: int, absent: int
) -> list[LabelledQuery]:
    rng = random.Random(seed * 7919 + 17)  # noqa: S311 - synthetic data, not security
    kinds = list(PERTURBATION_WEIGHTS)
    weights = list(PERTURBATION_WEIGHTS.values())
    upts = sorted({r.upt for r in records})
    out: list[LabelledQuery] = []
    for record in rng.sample(records, present):
        chosen = tuple(dict.fromkeys(rng.choices(kinds, weights, k=rng.choice((1, 1, 2)))))
        if "alias" in chosen and not record.aliases:
            chosen = tuple(k for k in chosen if k != "alias") or ("typo",)
        name = perturbed_query_name(rng, record, list(chosen))
        out.append(
            LabelledQuery(
                _with_helpers(rng, name, record, upts), record.registration_number, chosen
            )
        )

    known_names = {v.tokens for r in records for v in normalise_name(r.name, r.aliases).variants}
    while len(out) < present + absent:
        person = absent_person(rng)
        variants = normalise_name(person.name, person.aliases).variants
        if any(v.tokens in known_names for v in variants):
            continue  # a namesake of someone present is not an absent *name*
        chosen = tuple(dict.fromkeys(rng.choices(kinds, weights, k=1)))
        name = perturbed_query_name(rng, person, list(chosen))
        query = _with_helpers(rng, name, person, upts)
        out.append(LabelledQuery(query, None, chosen))
    return out


def _with_helpers(rng: random.Random, name: str, record: SdpRecord, upts: list[str]) -> SdpQuery:
    """Relatives sometimes add the prison and the birth date (today's form asks neither)."""
    upt = None
    if rng.random() < 0.3:
        upt = record.upt if record.upt in upts else rng.choice(upts)
        if rng.random() < 0.5:  # "Lapas Serang" rather than the full name
            words = upt.split()
            upt = f"{words[0]} {words[-1]}"
    birth = record.birth_date if rng.random() < 0.2 else None
    return SdpQuery(prisoner_name=name, upt=upt, birth_date=birth)


# --- the rule-written set --------------------------------------------------------------------


def rule_written_set(
    background: list[SdpRecord], parts: tuple[str, ...] = ("tuning", "heldout")
) -> tuple[list[SdpRecord], list[LabelledQuery], int]:
    """The labelled records and their queries (records of every part: the directory must not
    change with the part being looked at), and how many absent persons turned out to be
    present in the background by the rules (dropped)."""
    records: dict[str, SdpRecord] = {}
    queries: list[LabelledQuery] = []
    rows = read_cases()
    names = [r.name for r in background] + [r["record_name"] for r in rows if r["registration"]]
    dropped = 0
    for row in rows:
        if row["registration"]:
            records[row["registration"]] = SdpRecord(
                registration_number=row["registration"],
                name=row["record_name"],
                aliases=tuple(a for a in row["record_aliases"].split(";") if a),
                upt=row["record_upt"],
                status=CustodyStatus.NARAPIDANA,
                birth_date=date(1980, 1, 1),
            )
        if row["part"] in parts:
            if not row["registration"] and not is_clean_absent(row["query_name"], names):
                dropped += 1
                continue
            query = SdpQuery(prisoner_name=row["query_name"], upt=row["query_upt"] or None)
            queries.append(
                LabelledQuery(query, row["registration"] or None, (row["class"],), row["part"])
            )
    return list(records.values()), queries, dropped


# --- the baseline ----------------------------------------------------------------------------


class TokenSetBaseline:
    """Every record's name and aliases against the query with rapidfuzz token_set_ratio."""

    def __init__(self, records: list[SdpRecord]):
        self.registrations = [r.registration_number for r in records]
        self.choices = [utils.default_process(" ".join((r.name, *r.aliases))) for r in records]

    def search(self, query: SdpQuery, limit: int = 5) -> list[tuple[str, float]]:
        text = utils.default_process(query.prisoner_name or "")
        found = process.extract(
            text, self.choices, scorer=fuzz.token_set_ratio, processor=None, limit=limit
        )
        return [(self.registrations[i], score) for _, score, i in found]


# --- scoring ---------------------------------------------------------------------------------


def run_matcher(directory: SnapshotSdpDirectory, queries: list[LabelledQuery]) -> list[list]:
    return [
        [(c.registration_number, c.score) for c in directory.search(q.query, limit=5)]
        for q in queries
    ]


def run_baseline(baseline: TokenSetBaseline, queries: list[LabelledQuery]) -> list[list]:
    return [baseline.search(q.query) for q in queries]


def figures(queries: list[LabelledQuery], found: list[list], good: float) -> dict:
    """Per class (first kind) and overall: n, top1, top3, top3_any; absent: no_good."""
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0])
    absent = [0, 0]
    for item, ranked in zip(queries, found, strict=True):
        strong = [r for r, s in ranked if s >= good]
        if item.expected is None:
            absent[0] += 1
            absent[1] += not strong
            continue
        hit1 = strong[:1] == [item.expected]
        hit3 = item.expected in strong[:3]
        any3 = item.expected in [r for r, _ in ranked[:3]]
        for key in (*item.kinds, "all"):
            row = rows[key]
            row[0] += 1
            row[1] += hit1
            row[2] += hit3
            row[3] += any3
    out = {
        k: {"n": v[0], "top1": v[1] / v[0], "top3": v[2] / v[0], "top3_any": v[3] / v[0]}
        for k, v in rows.items()
    }
    out["absent"] = {"n": absent[0], "no_good": absent[1] / absent[0] if absent[0] else 1.0}
    return out


def lowest_threshold(queries: list[LabelledQuery], found: list[list]) -> float:
    """The lowest whole-number threshold that keeps absent persons at the bar."""
    for threshold in range(50, 101):
        if figures(queries, found, threshold)["absent"]["no_good"] >= ABSENT_BAR:
            return float(threshold)
    return 100.0


def print_table(title: str, mine: dict, base: dict, base_threshold: float) -> None:
    print(f"\n{title}")
    print(
        f"  {'class':15s} {'n':>5s}   matcher: top1  top3  top3any   "
        f"baseline(>={base_threshold:.0f}): top1  top3  top3any"
    )
    classes = [*sorted(k for k in mine if k not in ("all", "absent")), "all"]
    for key in classes:
        m, b = mine[key], base[key]
        print(
            f"  {key:15s} {m['n']:5d}   {m['top1']:.3f} {m['top3']:.3f}  {m['top3_any']:.3f}"
            f"           {b['top1']:.3f} {b['top3']:.3f}  {b['top3_any']:.3f}"
        )
    m, b = mine["absent"], base["absent"]
    print(
        f"  {'absent':15s} {m['n']:5d}   no good match {m['no_good']:.3f}"
        f"            no good match {b['no_good']:.3f}"
    )


def show_misses(queries, found, good, limit: int) -> None:
    shown = 0
    for item, ranked in zip(queries, found, strict=True):
        if shown >= limit:
            return
        strong = [r for r, s in ranked if s >= good]
        if item.expected is None and strong:
            print(
                f"  absent but matched [{item.kinds[0]}]: {item.query.prisoner_name!r} "
                f"-> {ranked[:2]}"
            )
            shown += 1
        elif item.expected is not None and item.expected not in strong[:3]:
            print(
                f"  miss [{item.kinds[0]}]: {item.query.prisoner_name!r} "
                f"(upt {item.query.upt}) -> {ranked[:3]}"
            )
            shown += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=REPORT_SEED, help="synthetic set's seed")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--present", type=int, default=2_000)
    parser.add_argument("--absent", type=int, default=1_000)
    parser.add_argument(
        "--part",
        choices=("tuning", "all"),
        default="all",
        help="rule-written parts to score: 'tuning' leaves the held-out unseen",
    )
    parser.add_argument("--sets", default="synthetic,rules")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--show-errors", type=int, default=0)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="override a MatchPolicy knob while tuning, e.g. --set good_match=82",
    )
    args = parser.parse_args(argv)
    overrides = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    policy = MatchPolicy(**{k: int(v) if k == "pool" else v for k, v in overrides.items()})
    good = policy.good_match
    sets = args.sets.split(",")
    summary: dict[str, float] = {}
    started = time.perf_counter()
    print(f"good match: score >= {good}; absent bar {ABSENT_BAR}")

    parts = ("tuning",) if args.part == "tuning" else ("tuning", "heldout")
    background = list(generate_records(args.records, RULE_BACKGROUND_SEED))
    rule_records, rule_queries, dropped = rule_written_set(background, parts)
    rule_data = background + rule_records
    print(f"rule-written set: {dropped} absent persons dropped (present by the rules)")
    rule_found = base_found = None
    if "rules" in sets:
        directory = SnapshotSdpDirectory(build_index(rule_data, "rule-written"), policy)
        rule_found = run_matcher(directory, rule_queries)
    base_threshold = 100.0
    if not args.no_baseline:
        baseline = TokenSetBaseline(rule_data)
        base_found = run_baseline(baseline, rule_queries)
        tuning = [i for i, q in enumerate(rule_queries) if q.part == "tuning"]
        base_threshold = lowest_threshold(
            [rule_queries[i] for i in tuning], [base_found[i] for i in tuning]
        )

    if "synthetic" in sets:
        data = list(generate_records(args.records, args.seed))
        queries = labelled_queries(data, args.seed, args.present, args.absent)
        directory = SnapshotSdpDirectory(build_index(data, "synthetic"), policy)
        t0 = time.perf_counter()
        found = run_matcher(directory, queries)
        ms = 1000 * (time.perf_counter() - t0) / len(queries)
        base = (
            figures(queries, run_baseline(TokenSetBaseline(data), queries), base_threshold)
            if not args.no_baseline
            else figures(queries, found, good)
        )
        mine = figures(queries, found, good)
        print_table(
            f"synthetic set (seed {args.seed}, {args.records} records, "
            f"{ms:.1f} ms per lookup), by perturbation",
            mine,
            base,
            base_threshold,
        )
        summary |= {
            "synthetic_top3": mine["all"]["top3"],
            "synthetic_absent": mine["absent"]["no_good"],
        }
        if args.show_errors:
            show_misses(queries, found, good, args.show_errors)

    if rule_found is not None:
        for part in parts:
            chosen = [i for i, q in enumerate(rule_queries) if q.part == part]
            qs = [rule_queries[i] for i in chosen]
            mine = figures(qs, [rule_found[i] for i in chosen], good)
            base = (
                figures(qs, [base_found[i] for i in chosen], base_threshold) if base_found else mine
            )
            print_table(
                f"rule-written set, {part} part ({len(rule_records)} labelled among "
                f"{args.records} background records), by class",
                mine,
                base,
                base_threshold,
            )
            summary |= {
                f"{part}_top3": mine["all"]["top3"],
                f"{part}_absent": mine["absent"]["no_good"],
                f"baseline_{part}_top3": base["all"]["top3"],
                f"baseline_{part}_top3_any": base["all"]["top3_any"],
            }
            if part == "tuning" and args.show_errors:
                show_misses(qs, [rule_found[i] for i in chosen], good, args.show_errors)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    print(" ".join(f"{k}={v:.4f}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
