"""Blocking: the keys under which a record is filed, so that candidates are the records sharing
at least one key with the probe instead of the whole population.

The registry stores `blocking_keys(record)` for every person (one row per key, indexed) and looks
up a new registration's keys to fetch its candidates; batch deduplication groups records by key.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from caminante.matching.names import canonical_forms
from caminante.matching.record import Features, Record, prepare

__all__ = ["KEY_CAPS", "blocking_keys", "candidate_pairs", "feature_keys", "neighbour_pairs", "sort_orders"]

#: Largest block (records sharing one key) batch deduplication expands into pairs, per kind of
#: key; larger blocks are skipped for that key (the other keys still cover their records). A
#: phone shared by hundreds of people is an organisation's phone, not a person's.
KEY_CAPS: dict[str, int] = {"d": 50, "p": 40, "gf": 30, "fy": 30, "fd": 60, "gd": 60, "dd": 30, "ds": 10}


def _given_keys(x: Features) -> list[str]:
    """First given name, then the first names of the full names a nickname stands for, then the
    second given name."""
    keys: list[str] = list(x.gp[:1])
    if x.gps:
        for full in sorted(canonical_forms(x.gps))[:2]:
            first = full.split(" ", 1)[0]
            if first not in keys:
                keys.append(first)
    if len(x.gp) > 1 and x.gp[1] not in keys:
        keys.append(x.gp[1])
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
    for n_fam, fam in enumerate(fams):
        for g in givens if n_fam == 0 else givens[:2]:
            # order-free, so given and family names entered in each other's field still meet
            keys.add(f"gf:{min(g, fam)}:{max(g, fam)}")
        if x.year:
            for initial in {g[0] for g in givens} or {"_"}:
                keys.add(f"fy:{fam}:{x.year}:{initial}")
        if full:
            keys.add(f"fd:{fam}:{x.year}:{md}")
    if full:
        for g in givens[:2]:
            keys.add(f"gd:{g}:{x.year}:{md}")
        # The full date with the initial of a family name: finds a family name typed badly
        # enough to change its phonetic key (Zimmerrmnn) when the given name is missing too.
        # The initial of the first given name too: given and family names typed in each
        # other's field with a typing error in both (Laznger Gabrielle / Gabrielle Langer).
        for initial in {f[0] for f in (*x.f[:2], *x.g[:1]) if f}:
            keys.add(f"dd:{x.year}:{md}:{initial}")
    if len(x.doc) >= 6:
        # The document's digits in order: a transposition typo (4406308 / 4406038) keeps it.
        keys.add("ds:" + "".join(sorted(x.doc)))
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
    - ``fy:<family>:<year>:<initial>``: a family name with the year of birth and the initial of
      a given name (``_`` when there is none)
    - ``fd:<family>:<year>:<m>-<d>``: a family name with the full date of birth (day and month
      sorted, so a swapped day and month gives the same key)
    - ``gd:<given>:<year>:<m>-<d>``: a given name with the full date of birth

    The keys depend only on this record, never on others; changing a person's data means
    recomputing their keys. If this function's rules change, recompute every stored key.
    """
    return feature_keys(prepare(record))


def _key_kind(key: str) -> str:
    return key.split(":", 1)[0]


def sort_orders(features: Sequence[Features]) -> dict[str, npt.NDArray[np.int64]]:
    """Secondary orders for oversized blocks (sorted-neighbourhood): by date of birth for blocks
    of names, by given names for blocks of family name and date."""
    dates = np.array([x.year * 10_000 + x.month * 100 + x.day for x in features], dtype=np.int64)
    names = [x.gps for x in features]
    rank = {v: i for i, v in enumerate(sorted(set(names)))}
    by_name = np.array([rank[v] for v in names], dtype=np.int64)
    return {
        "gf": dates,
        "fy": by_name,
        "fd": by_name,
        "gd": np.array([rank.get(" ".join(x.fp), 0) for x in features], dtype=np.int64),
        "dd": by_name,
    }


def neighbour_pairs(
    features: Sequence[Features], window: int = 3, others: Sequence[Features] | None = None
) -> npt.NDArray[np.int64]:
    """Batch-only passes (no stored key can express them): the distinct identity numbers sorted,
    then sorted read backwards; each record is paired with the first record of each of the next
    `window - 1` numbers (records with the same number already share a ``d:`` key). A number
    with one digit mistyped sorts next to the right one in one of the two orders
    (4817613 / 4816613), whatever the names and dates. Pairs (i < j) within `features`, or
    (i in features, j in others) when `others` is given (linkage)."""
    docs = [x.doc for x in features] + ([x.doc for x in others] if others is not None else [])
    n_a = len(features)
    idx = np.array([i for i, d in enumerate(docs) if len(d) >= 6], dtype=np.int64)
    if len(idx) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    chunks: list[npt.NDArray[np.int64]] = []
    for values in ([docs[i] for i in idx], [docs[i][::-1] for i in idx]):
        uniq, rank = np.unique(np.array(values), return_inverse=True)
        rank = rank.ravel()
        if len(uniq) < 2:
            continue
        # The first record (in idx order) of each distinct number, by rank.
        first = np.full(len(uniq), -1, dtype=np.int64)
        first[rank[::-1]] = idx[::-1]
        for k in range(1, window):
            ok = rank + k < len(uniq)
            a, b = idx[ok], first[rank[ok] + k]
            chunks.append(np.stack([a, b], axis=1))
            if others is not None:  # the other direction: b's number's records to a's first
                chunks.append(np.stack([b, a], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks)
    if others is None:
        pairs = np.sort(pairs, axis=1)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    else:
        pairs = pairs[(pairs[:, 0] < n_a) & (pairs[:, 1] >= n_a)]
        pairs[:, 1] -= n_a
    return np.unique(pairs, axis=0)


def candidate_pairs(
    keys_per_record: Iterable[set[str]],
    caps: dict[str, int] | None = None,
    orders: dict[str, npt.NDArray[np.int64]] | None = None,
    window: int = 5,
    n_records: int | None = None,
    extra: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """All pairs (i < j) of record indexes sharing a key, each once, as an (n, 2) array.

    A block larger than its kind's cap is not expanded into all its pairs: when `orders` gives a
    secondary order for that kind, its records are sorted by it and each is paired with the next
    `window - 1` (sorted neighbourhood); otherwise the block is skipped. `extra` pairs (i < j,
    e.g. `neighbour_pairs`) are added to the result."""
    caps = KEY_CAPS if caps is None else caps
    orders = orders or {}
    kind_names = sorted(caps)
    kind_codes = {k: i for i, k in enumerate(kind_names)}
    hashes = array("q")
    owners = array("q")
    kinds = array("h")
    for i, keys in enumerate(keys_per_record):
        for key in keys:
            hashes.append(hash(key))
            owners.append(i)
            kinds.append(kind_codes.get(_key_kind(key), 0))
    if not hashes:
        return np.zeros((0, 2), dtype=np.int64) if extra is None else np.unique(extra.reshape(-1, 2), axis=0)
    h = np.frombuffer(hashes, dtype=np.int64).copy()
    o = np.frombuffer(owners, dtype=np.int64).copy()
    kd = np.frombuffer(kinds, dtype=np.int16).copy()
    del hashes, owners, kinds
    secondary = np.zeros(len(h), dtype=np.int64)
    for kind, values in orders.items():
        if kind in kind_codes:
            sel = kd == kind_codes[kind]
            secondary[sel] = values[o[sel]]
    order = np.lexsort((secondary, h))
    h, o, kd = h[order], o[order], kd[order]
    del secondary, order
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    sizes = np.diff(np.r_[starts, len(h)])
    cap_by_code = np.array([caps[k] for k in kind_names], dtype=np.int64)
    caps_of_block = cap_by_code[kd[starts]]
    n = int(o.max()) + 1 if n_records is None else n_records
    if extra is not None and len(extra):
        n = max(n, int(extra.max()) + 1)
    chunks: list[npt.NDArray[np.int64]] = []
    if extra is not None and len(extra):
        chunks.append(extra[:, 0] * n + extra[:, 1])
    # Oversized blocks with a secondary order: sorted neighbourhood.
    ordered_codes = np.array([kind_codes[k] for k in orders if k in kind_codes], dtype=np.int16)
    big = (sizes > caps_of_block) & np.isin(kd[starts], ordered_codes)
    if big.any():
        in_big = np.repeat(big, sizes)
        for k in range(1, window):
            a_pos = np.flatnonzero(in_big[:-k] & in_big[k:] & (h[:-k] == h[k:]))
            lo = np.minimum(o[a_pos], o[a_pos + k])
            hi = np.maximum(o[a_pos], o[a_pos + k])
            chunks.append((lo * n + hi)[lo != hi])
        del in_big
    keep = (sizes >= 2) & (sizes <= caps_of_block)
    starts, sizes = starts[keep], sizes[keep]
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
