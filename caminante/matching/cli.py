"""`caminante match`: batch deduplication and linkage of CSV files (no database needed).

    caminante match dedupe INPUT.csv --out PAIRS.csv [--threshold P] [--train] [--model M.json]
    caminante match link --left A.csv --right B.csv --out PAIRS.csv [--threshold P] [--train]

Input: UTF-8 CSV with the header
record_id,given_names,family_names,sex,birth_date,birth_year,nationality,place_of_origin,phone,document_number
(columns in any order; any field but record_id may be blank; birth_date is YYYY-MM-DD).
Output: record_id_a,record_id_b,score with the match probability, one row per pair at or above
the threshold; in link mode record_id_a is from the left file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from caminante.matching.engine import DEFAULT_THRESHOLD, Match, dedupe, link
from caminante.matching.model import Model
from caminante.matching.record import FIELDS, Record

__all__ = ["SchemaError", "main", "read_records"]


class SchemaError(Exception):
    """The file is not a CSV of the expected schema."""


def _parse_row(row: dict[str, str], line: int) -> Record:
    rid = (row.get("record_id") or "").strip()
    if not rid:
        raise ValueError("record_id is empty")
    birth_date = None
    raw_date = (row.get("birth_date") or "").strip()
    if raw_date:
        try:
            birth_date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise ValueError(f"birth_date {raw_date!r} is not a date YYYY-MM-DD") from None
        if len(raw_date) != 10:
            raise ValueError(f"birth_date {raw_date!r} is not a date YYYY-MM-DD")
    birth_year = None
    raw_year = (row.get("birth_year") or "").strip()
    if raw_year:
        if not raw_year.isdigit() or not 1880 <= int(raw_year) <= dt.date.today().year:
            raise ValueError(f"birth_year {raw_year!r} is not a year")
        birth_year = int(raw_year)
    nationality = (row.get("nationality") or "").strip()
    if nationality and not (len(nationality) == 3 and nationality.isalpha()):
        raise ValueError(f"nationality {nationality!r} is not an ISO 3166 alpha-3 code")
    return Record(
        record_id=rid,
        given_names=row.get("given_names") or "",
        family_names=row.get("family_names") or "",
        sex=row.get("sex") or "",
        birth_date=birth_date,
        birth_year=birth_year if birth_date is None else birth_date.year,
        nationality=nationality.upper(),
        place_of_origin=row.get("place_of_origin") or "",
        phone=row.get("phone") or "",
        document_number=row.get("document_number") or "",
    )


def read_records(path: Path | str, err: TextIO | None = None) -> list[Record]:
    """Read a CSV of the schema. Malformed rows are reported on `err` with their line number and
    skipped; a file that is not of the schema raises `SchemaError`."""
    err = err if err is not None else sys.stderr
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SchemaError(f"{path}: cannot open: {exc.strerror}") from None
    records: list[Record] = []
    seen: set[str] = set()
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise SchemaError(f"{path}: empty file, expected the header {','.join(FIELDS)}")
            header = [h.strip() for h in header]
            missing = [f for f in FIELDS if f not in header]
            if missing:
                raise SchemaError(
                    f"{path}: not a matching CSV: missing column(s) {', '.join(missing)}; "
                    f"expected the header {','.join(FIELDS)}"
                )
            if len(set(header)) != len(header):
                raise SchemaError(f"{path}: duplicate column names in the header")
            extra = [h for h in header if h not in FIELDS]
            if extra:
                print(f"{path}: ignoring unknown column(s) {', '.join(extra)}", file=err)
            line = reader.line_num
            for values in reader:
                start, line = line + 1, reader.line_num
                if not values or all(not v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    print(
                        f"{path}:{start}: skipped: {len(values)} fields, expected {len(header)}",
                        file=err,
                    )
                    continue
                try:
                    record = _parse_row(dict(zip(header, values, strict=True)), start)
                except ValueError as exc:
                    print(f"{path}:{start}: skipped: {exc}", file=err)
                    continue
                if record.record_id in seen:
                    print(f"{path}:{start}: skipped: duplicate record_id {record.record_id!r}", file=err)
                    continue
                seen.add(record.record_id)
                records.append(record)
        except UnicodeDecodeError:
            raise SchemaError(f"{path}: not UTF-8 text") from None
        except csv.Error as exc:
            raise SchemaError(f"{path}:{reader.line_num}: not a CSV file: {exc}") from None
    return records


def _write(path: Path, matches: Sequence[Match]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("record_id_a", "record_id_b", "score"))
        for m in sorted(matches, key=lambda m: (-m.score, m.record_id_a, m.record_id_b)):
            writer.writerow((m.record_id_a, m.record_id_b, f"{m.score:.6f}"))


def _threshold(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError("the threshold is a probability between 0 and 1")
    return p


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caminante match", description="Find records of the same person.")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", required=True, type=Path, help="output CSV: record_id_a,record_id_b,score")
    common.add_argument("--threshold", type=_threshold, default=DEFAULT_THRESHOLD, help="default %(default)s")
    common.add_argument("--train", action="store_true", help="estimate the model on the input by EM first")
    common.add_argument("--model", type=Path, help="model parameters (JSON from Model.to_dict)")
    d = sub.add_parser("dedupe", parents=[common], help="pairs of records of the same person in one file")
    d.add_argument("input", type=Path)
    ln = sub.add_parser("link", parents=[common], help="pairs of the same person across two files")
    ln.add_argument("--left", required=True, type=Path)
    ln.add_argument("--right", required=True, type=Path)
    return parser


def main(argv: list[str]) -> int:
    """Entry point; `argv` excludes the program name and the word "match". Returns the exit
    status (0 done, 2 bad arguments or a file that is not of the schema)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    model = None
    if args.model:
        try:
            model = Model.from_dict(json.loads(args.model.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            print(f"caminante match: cannot read the model {args.model}: {exc}", file=sys.stderr)
            return 2
    try:
        if args.command == "dedupe":
            records = read_records(args.input)
            matches = dedupe(records, args.threshold, model=model, train=args.train)
            summary = f"{len(records)} records, {len(matches)} pairs"
        else:
            left = read_records(args.left)
            right = read_records(args.right)
            matches = link(left, right, args.threshold, model=model, train=args.train)
            summary = f"{len(left)} + {len(right)} records, {len(matches)} pairs"
    except SchemaError as exc:
        print(f"caminante match: {exc}", file=sys.stderr)
        return 2
    try:
        _write(args.out, matches)
    except OSError as exc:
        print(f"caminante match: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"caminante match {args.command}: {summary} at threshold {args.threshold} -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
