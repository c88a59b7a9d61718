"""Blocking: the keys under which a record is filed, so that candidates are the records sharing
at least one key with the probe instead of the whole population.

The registry stores `blocking_keys(record)` for every person (one row per key, indexed) and looks
up a new registration's keys to fetch its candidates; batch deduplication groups records by key.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from caminante.matching.names import canonical_forms
from caminante.matching.record import Features, Record, prepare

__all__ = ["KEY_CAPS", "blocking_keys", "candidate_pairs", "feature_keys"]

#: Largest block (records sharing one key) batch deduplication expands into pairs, per kind of
#: key; larger blocks are skipped for that key (the other keys still cover their records). A
#: phone shared by hundreds of people is an organisation's phone, not a person's.
KEY_CAPS: dict[str, int] = {"d": 50, "p": 40, "gf": 80, "fy": 80, "fd": 150, "gd": 150}


def _given_keys(x: Features) -> list[str]:
    keys: list[str] = []
    for t in x.gp[:2]:
        if t not in keys:
            keys.append(t)
    if x.gps:
        for full in sorted(canonical_forms(x.gps))[:3]:
            first = full.split(" ", 1)[0]
            if first not in keys:
                keys.append(first)
    return keys


def feature_keys(x: Features) -> set[str]:
    """Blocking keys of prepared features (see `blocking_keys`)."""
    keys: set[str] = set()
    if len(x.doc) >= 5:
        keys.add("d:" + x.doc)
    if x.phone:
        keys.add("p:" + x.phone)
    fams = list(dict.fromkeys(x.fp[:2]))
    givens = _given_keys(x)
    full = bool(x.year and x.month)
    md = f"{min(x.month, x.day)}-{max(x.month, x.day)}" if full else ""
    for fam in fams:
        for g in givens:
            # order-free, so given and family names entered in each other's field still meet
            keys.add(f"gf:{min(g, fam)}:{max(g, fam)}")
        if x.year:
            keys.add(f"fy:{fam}:{x.year}")
        if full:
            keys.add(f"fd:{fam}:{x.year}:{md}")
    if full:
        for g in givens[:2]:
            keys.add(f"gd:{g}:{x.year}:{md}")
    return keys


def blocking_keys(record: Record) -> set[str]:
    """The blocking keys of a record, as short strings ("kind:value"); two records are compared
    only when they share at least one key. Store one row per key (indexed) for every person, and
    fetch the candidates of a new registration with the keys of the probe.

    Kinds of key (name parts are the Spanish phonetic keys of `normalize.phonetic_key`, so
    spelling variants share keys; family names count in either order and one may be missing):

    - ``d:<document>``: identity number, digits and letters only (`normalize_document`), 5+ long
    - ``p:<phone>``: phone in E.164 (``p:+584121234567``), or ``p:?<last 8 digits>`` when the
      number does not parse
    - ``gf:<name>:<name>``: one of the first two given names (or the full name a nickname
      stands for) with one of the first two family names, the two sorted (so names typed in
      each other's field give the same key)
    - ``fy:<family>:<year>``: a family name with the year of birth
    - ``fd:<family>:<year>:<m>-<d>``: a family name with the full date of birth (day and month
      sorted, so a swapped day and month gives the same key)
    - ``gd:<given>:<year>:<m>-<d>``: a given name with the full date of birth

    The keys depend only on this record, never on others; changing a person's data means
    recomputing their keys. If this function's rules change, recompute every stored key.
    """
    return feature_keys(prepare(record))


def _key_kind(key: str) -> str:
    return key.split(":", 1)[0]


def candidate_pairs(keys_per_record: Sequence[set[str]], caps: dict[str, int] | None = None) -> npt.NDArray[np.int64]:
    """All pairs (i < j) of record indexes sharing a key, each once, as an (n, 2) array;
    blocks larger than their kind's cap are skipped."""
    caps = KEY_CAPS if caps is None else caps
    kind_codes = {k: i for i, k in enumerate(sorted(caps))}
    hashes: list[int] = []
    owners: list[int] = []
    kinds: list[int] = []
    for i, keys in enumerate(keys_per_record):
        for key in keys:
            hashes.append(hash(key))
            owners.append(i)
            kinds.append(kind_codes.get(_key_kind(key), 0))
    if not hashes:
        return np.zeros((0, 2), dtype=np.int64)
    h = np.array(hashes, dtype=np.int64)
    o = np.array(owners, dtype=np.int64)
    kd = np.array(kinds, dtype=np.int16)
    del hashes, owners, kinds
    order = np.argsort(h, kind="stable")
    h, o, kd = h[order], o[order], kd[order]
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    sizes = np.diff(np.r_[starts, len(h)])
    cap_by_code = np.array([caps[k] for k in sorted(caps)], dtype=np.int64)
    caps_of_block = cap_by_code[kd[starts]]
    keep = (sizes >= 2) & (sizes <= caps_of_block)
    starts, sizes = starts[keep], sizes[keep]
    n = len(keys_per_record)
    chunks: list[npt.NDArray[np.int64]] = []
    for s in np.unique(sizes):
        block_starts = starts[sizes == s]
        members = block_starts[:, None] + np.arange(s)[None, :]
        idx = o[members]  # (blocks, s)
        iu, ju = np.triu_indices(int(s), 1)
        a = idx[:, iu].ravel()
        b = idx[:, ju].ravel()
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        code = lo * n + hi
        chunks.append(code[lo != hi])
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1)
