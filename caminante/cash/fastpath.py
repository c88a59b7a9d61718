"""The redemption hot path in a few hand-written statements (PostgreSQL and SQLite).

`services.redeem` is the busiest write of the platform (vendors at the till). The ORM compiled
eight statements for it, and compiling them cost more CPU than running them. Here, for one
redemption (see docs/benchmarks.md, "Cash and vouchers"):

1. `token_user_and_vendor`: the API token, its user and the user's shop (one SELECT; used by
   `api.VendorTokenAuthentication`, so `services.vendor_of` needs no query);
2. `lock_voucher`: the voucher, locked (`FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE
   transaction holds the write lock), with its programme's check question and whether this shop
   may take the programme's vouchers;
3. `spend`: the conditional `UPDATE ... WHERE balance >= amount ... RETURNING balance, status`
   (the decrement, the read of the new balance and "fully redeemed" in one statement);
4. `record_redemption`: the redemption row and its two ledger legs: one statement on PostgreSQL
   (a data-modifying CTE), two on SQLite.

Values go in through each model field's `get_db_prep_value` and come out through the ORM's own
converters, so the rows are exactly those the ORM would have read and written.
"""

# The statements are built from model metadata (table and column names quoted by the backend),
# never from input: every value is a query parameter.
# ruff: noqa: S608

import uuid
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Field, Model

from caminante.core.models import User

from .models import LedgerEntry, Programme, Redemption, Vendor, VendorUser, Voucher

_converters: dict = {}
_statements: dict = {}


def _sql(name: str, build):
    """The statement `name` for this connection's backend, built once."""
    key = (connection.vendor, name)
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = build()
    return sql


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _col(model: type[Model], name: str) -> str:
    return _q(model._meta.get_field(name).column)


def _prep(model: type[Model], name: str, value):
    """A Python value as the database adapter wants it for that model field (UUIDs as hex text
    on SQLite, aware datetimes as UTC text, ...)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection, prepared=False)


def _convert(row, fields: list[Field]) -> list:
    """Apply the ORM's converters (backend and field) to a raw row, as a queryset would."""
    key = (connection.vendor, tuple(id(f) for f in fields))
    plan = _converters.get(key)
    if plan is None:
        plan = []
        for field in fields:
            col = field.get_col(field.model._meta.db_table)
            plan.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
        _converters[key] = plan
    out = []
    for value, (col, convs) in zip(row, plan, strict=True):
        for conv in convs:
            value = conv(value, col, connection)
        out.append(value)
    return out


def _fields(model: type[Model], names) -> list[Field]:
    return [model._meta.get_field(n) for n in names]


# ---- 1. token, user and shop ------------------------------------------------------------------

_USER_FIELDS = [f for f in User._meta.concrete_fields]
_VENDOR_FIELDS = ["id", "national_society", "active"]


def token_user_and_vendor(key: str):
    """(user, vendor or None) for an API token, or None when no token has this key. The user is a
    full `User`; the vendor is a `Vendor` with its id, National Society and `active` loaded."""
    from rest_framework.authtoken.models import Token

    def build():
        user_cols = ", ".join(f"u.{_q(f.column)}" for f in _USER_FIELDS)
        return (
            f"SELECT {user_cols}, v.{_col(Vendor, 'id')}, v.{_col(Vendor, 'national_society')}, "
            f"v.{_col(Vendor, 'active')} "
            f"FROM {_table(Token)} t JOIN {_table(User)} u ON u.{_col(User, 'id')} = t.{_col(Token, 'user')} "
            f"LEFT JOIN {_table(VendorUser)} vu ON vu.{_col(VendorUser, 'user')} = u.{_col(User, 'id')} "
            f"LEFT JOIN {_table(Vendor)} v ON v.{_col(Vendor, 'id')} = vu.{_col(VendorUser, 'vendor')} "
            f"WHERE t.{_col(Token, 'key')} = %s"
        )

    sql = _sql("token", build)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(_USER_FIELDS)
    user = User.from_db(connection.alias, None, _convert(row[:n], _USER_FIELDS))
    vendor = None
    if row[n] is not None:
        values = _convert(row[n:], _fields(Vendor, _VENDOR_FIELDS))
        vendor = Vendor.from_db(connection.alias, ["id", "national_society_id", "active"], values)
    return user, vendor


# ---- 2. the locked voucher --------------------------------------------------------------------

# In the order of Voucher._meta.concrete_fields, as Model.from_db wants them.
_VOUCHER_NAMES = ["id", "programme", "entitlement", "balance", "currency", "expires_at", "status"]


def lock_voucher(code: str, vendor: Vendor, key: str) -> Voucher | None:
    """The vendor's National Society's voucher with this canonical code, locked until the end of
    the transaction; `vendor_allowed` says whether the vendor takes its programme's vouchers,
    `key_used` whether a committed redemption of this vendor already has this idempotency key,
    and `voucher.programme` holds the programme's id and check question. None: no such voucher."""

    def build():
        through = Programme.vendors.through
        cols = ", ".join(f"v.{_col(Voucher, n)}" for n in _VOUCHER_NAMES)
        sql = (
            f"SELECT {cols}, p.{_col(Programme, 'check_question')}, EXISTS (SELECT 1 FROM {_table(through)} pv "
            f"WHERE pv.{_col(through, 'programme')} = v.{_col(Voucher, 'programme')} "
            f"AND pv.{_col(through, 'vendor')} = %s), "
            f"EXISTS (SELECT 1 FROM {_table(Redemption)} r WHERE r.{_col(Redemption, 'vendor')} = %s "
            f"AND r.{_col(Redemption, 'idempotency_key')} = %s) "
            f"FROM {_table(Voucher)} v JOIN {_table(Programme)} p "
            f"ON p.{_col(Programme, 'id')} = v.{_col(Voucher, 'programme')} "
            f"WHERE v.{_col(Voucher, 'code')} = %s AND v.{_col(Voucher, 'national_society')} = %s"
        )
        if connection.features.has_select_for_update_of:
            return sql + " FOR UPDATE OF v"
        if connection.features.has_select_for_update:
            return sql + " FOR UPDATE"
        return sql  # SQLite: the IMMEDIATE transaction already holds the database's write lock

    sql = _sql("lock_voucher", build)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                _prep(Vendor, "id", vendor.pk),
                _prep(Vendor, "id", vendor.pk),
                key,
                code,
                _prep(Voucher, "national_society", vendor.national_society_id),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    fields = [*_fields(Voucher, _VOUCHER_NAMES), Programme._meta.get_field("check_question")]
    values = _convert(row[:-2], fields)
    voucher = Voucher.from_db(
        connection.alias,
        [Voucher._meta.get_field(n).attname for n in _VOUCHER_NAMES],
        values[:-1],
    )
    voucher.code = code
    voucher.national_society_id = vendor.national_society_id
    voucher.programme = Programme.from_db(connection.alias, ["id", "check_question"], [values[1], values[-1]])
    voucher.vendor_allowed = bool(row[-2])  # type: ignore[attr-defined]
    voucher.key_used = bool(row[-1])  # type: ignore[attr-defined]
    return voucher


# ---- 3. the conditional decrement ---------------------------------------------------------------


def spend(voucher_id, value: Decimal) -> tuple[Decimal, str] | None:
    """Take `value` from an active voucher holding at least that much: (balance after, status
    after), the status "redeemed" once the balance reaches zero. None: the guard refused (the
    voucher is no longer active or holds less), nothing changed."""

    def build():
        balance, status = _col(Voucher, "balance"), _col(Voucher, "status")
        return (
            f"UPDATE {_table(Voucher)} SET {balance} = {balance} - %s, "
            f"{status} = CASE WHEN {balance} - %s = 0 THEN %s ELSE {status} END "
            f"WHERE {_col(Voucher, 'id')} = %s AND {status} = %s AND {balance} >= %s "
            f"RETURNING {balance}, {status}"
        )

    sql = _sql("spend", build)
    amount = _prep(Voucher, "balance", value)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                amount,
                amount,
                Voucher.Status.REDEEMED.value,
                _prep(Voucher, "id", voucher_id),
                Voucher.Status.ACTIVE.value,
                amount,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    balance_after, status_after = _convert(row, _fields(Voucher, ["balance", "status"]))
    if balance_after == 0 and status_after != Voucher.Status.REDEEMED:
        # SQLite keeps decimals as binary floats: a remainder of 1e-17 is zero in cents.
        Voucher.objects.filter(pk=voucher_id).update(status=Voucher.Status.REDEEMED)
        status_after = Voucher.Status.REDEEMED.value
    return balance_after, status_after


# ---- 4. the redemption and its ledger transaction -----------------------------------------------

_REDEMPTION_NAMES = [
    "id",
    "national_society",
    "voucher",
    "vendor",
    "amount",
    "balance_after",
    "idempotency_key",
    "redeemed_by",
    "redeemed_at",
]
_LEDGER_NAMES = [
    "txn",
    "kind",
    "account",
    "amount",
    "currency",
    "national_society",
    "programme",
    "voucher",
    "vendor",
    "redemption",
    "at",
]


def _record_statements() -> tuple[str, str, str]:
    """(insert the redemption, insert two ledger legs, both in one statement or "")."""
    r_cols = ", ".join(_col(Redemption, n) for n in _REDEMPTION_NAMES)
    r_insert = f"INSERT INTO {_table(Redemption)} ({r_cols}) VALUES ({', '.join(['%s'] * len(_REDEMPTION_NAMES))})"
    l_cols = ", ".join(_col(LedgerEntry, n) for n in _LEDGER_NAMES)
    one_row = "(" + ", ".join(["%s"] * len(_LEDGER_NAMES)) + ")"
    l_insert = f"INSERT INTO {_table(LedgerEntry)} ({l_cols}) VALUES {one_row}, {one_row}"
    combined = ""
    if connection.vendor == "postgresql":
        combined = (
            f"WITH r AS ({r_insert} RETURNING {_col(Redemption, 'id')}) "
            f"INSERT INTO {_table(LedgerEntry)} ({l_cols}) "
            f"SELECT * FROM (VALUES {one_row}, {one_row}) AS leg WHERE EXISTS (SELECT 1 FROM r)"
        )
    return r_insert, l_insert, combined


def record_redemption(
    *, voucher: Voucher, vendor: Vendor, user, value: Decimal, balance_after: Decimal, key: str, now: datetime
) -> Redemption:
    """Insert the redemption and its balanced ledger transaction (the voucher's account credited,
    the vendor's debited: what we owe the shop), as `services._ledger` writes it. A repeated
    (vendor, idempotency key) raises IntegrityError."""
    rid, txn = uuid.uuid4(), uuid.uuid4()
    legs = [(f"voucher:{voucher.pk}", -value, voucher.pk), (f"vendor:{vendor.pk}", value, None)]
    if sum((amount for _a, amount, _v in legs), Decimal("0")) != 0:  # pragma: no cover - by construction
        raise ValueError(f"unbalanced ledger transaction {legs}")
    r_values = [
        rid,
        vendor.national_society_id,
        voucher.pk,
        vendor.pk,
        value,
        balance_after,
        key,
        user.pk,
        now,
    ]
    r_params = [_prep(Redemption, n, v) for n, v in zip(_REDEMPTION_NAMES, r_values, strict=True)]
    common = {
        "txn": txn,
        "kind": LedgerEntry.Kind.REDEMPTION.value,
        "currency": voucher.currency,
        "national_society": vendor.national_society_id,
        "programme": voucher.programme_id,
        "vendor": vendor.pk,
        "redemption": rid,
        "at": now,
    }
    rows = []
    for account, amount, leg_voucher in legs:
        row = {**common, "account": account, "amount": amount, "voucher": leg_voucher}
        rows.append([_prep(LedgerEntry, n, row[n]) for n in _LEDGER_NAMES])
    r_insert, l_insert, combined = _sql("record", _record_statements)
    with connection.cursor() as cursor:
        if combined:  # PostgreSQL: one round trip, the ledger legs inserted with their redemption
            cursor.execute(combined, r_params + rows[0] + rows[1])
        else:
            cursor.execute(r_insert, r_params)
            cursor.execute(l_insert, rows[0] + rows[1])
    by_attname = {Redemption._meta.get_field(n).attname: v for n, v in zip(_REDEMPTION_NAMES, r_values, strict=True)}
    redemption = Redemption.from_db(
        connection.alias,
        None,
        [by_attname.get(f.attname) for f in Redemption._meta.concrete_fields],  # settlement_id: None
    )
    redemption.voucher = voucher
    redemption.vendor = vendor
    return redemption


# ---- the first result of an idempotency key ----------------------------------------------------


def previous_redemption(vendor: Vendor, key: str) -> Redemption | None:
    """The vendor's redemption with this idempotency key (with its voucher's code and currency)."""

    def build():
        cols = ", ".join(f"r.{_q(f.column)}" for f in Redemption._meta.concrete_fields)
        return (
            f"SELECT {cols}, v.{_col(Voucher, 'code')}, v.{_col(Voucher, 'currency')} "
            f"FROM {_table(Redemption)} r JOIN {_table(Voucher)} v "
            f"ON v.{_col(Voucher, 'id')} = r.{_col(Redemption, 'voucher')} "
            f"WHERE r.{_col(Redemption, 'vendor')} = %s AND r.{_col(Redemption, 'idempotency_key')} = %s"
        )

    with connection.cursor() as cursor:
        cursor.execute(_sql("previous", build), [_prep(Vendor, "id", vendor.pk), key])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = Redemption._meta.concrete_fields
    n = len(fields)
    redemption = Redemption.from_db(connection.alias, None, _convert(row[:n], list(fields)))
    code, currency = _convert(row[n:], _fields(Voucher, ["code", "currency"]))
    redemption.voucher = Voucher.from_db(
        connection.alias, ["id", "code", "currency"], [redemption.voucher_id, code, currency]
    )
    return redemption
