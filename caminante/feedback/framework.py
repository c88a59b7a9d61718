"""The IFRC community feedback coding framework as versioned data.

The shared framework ships as `data/framework_v1.json` and is loaded by a migration (and by
`load_framework()`, idempotent). A new version copies the entries of the one before, with
changes; an item keeps the version and the keys it was coded with, so earlier reports never
change. A National Society's own codes live in the current version with its National Society.
"""

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "framework_v1.json"


def framework_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def load_framework(version_model=None, entry_model=None) -> int:
    """Create version 1 from the shipped file if it is missing; return the number of entries made.

    The models may be passed in (from a migration's historical app registry)."""
    if version_model is None or entry_model is None:
        from .models import FrameworkEntry, FrameworkVersion

        version_model, entry_model = FrameworkVersion, FrameworkEntry
    data = framework_data()
    version, created = version_model.objects.get_or_create(number=data["version"], defaults={"note": data["note"]})
    if not created and entry_model.objects.filter(version=version).exists():
        return 0
    rows = []
    order = 0
    for type_ in data["types"]:
        order += 1
        rows.append(_entry(entry_model, version, "type", type_, "", order))
        for category in type_["categories"]:
            order += 1
            rows.append(_entry(entry_model, version, "category", category, type_["key"], order))
            for code in category["codes"]:
                order += 1
                rows.append(_entry(entry_model, version, "code", code, category["key"], order))
    entry_model.objects.bulk_create(rows)
    return len(rows)


def _entry(model, version, level, spec, parent, order):
    return model(
        version=version,
        level=level,
        key=spec["key"],
        parent_key=parent,
        label_es=spec["es"],
        label_pt=spec["pt"],
        label_en=spec["en"],
        sensitive=bool(spec.get("sensitive")),
        sort_order=order,
    )


@dataclass(frozen=True)
class Tree:
    """One version of the framework as seen by one National Society."""

    version: object
    types: list
    categories: dict  # type key -> [entries]
    codes: dict  # category key -> [entries]
    by_key: dict

    def parent(self, key: str) -> str:
        entry = self.by_key.get(key)
        return entry.parent_key if entry else ""

    def label(self, key: str) -> str:
        entry = self.by_key.get(key)
        return entry.label if entry else key

    def is_sensitive(self, key: str) -> bool:
        entry = self.by_key.get(key)
        return bool(entry and entry.sensitive)


def current_version():
    from .models import FrameworkVersion

    version = FrameworkVersion.objects.order_by("-number").first()
    if version is None:
        load_framework()
        version = FrameworkVersion.objects.order_by("-number").first()
    return version


def tree(national_society=None, version=None, include_inactive: bool = False) -> Tree:
    from django.db.models import Q

    from .models import FrameworkEntry

    version = version or current_version()
    qs = FrameworkEntry.objects.filter(version=version)
    qs = qs.filter(Q(national_society__isnull=True) | Q(national_society=national_society))
    if not include_inactive:
        qs = qs.filter(active=True)
    types, categories, codes, by_key = [], {}, {}, {}
    for entry in qs.order_by("sort_order", "key"):
        by_key[entry.key] = entry
        if entry.level == "type":
            types.append(entry)
        elif entry.level == "category":
            categories.setdefault(entry.parent_key, []).append(entry)
        else:
            codes.setdefault(entry.parent_key, []).append(entry)
    return Tree(version, types, categories, codes, by_key)
