"""Extensions of the permission matrix (tests/test_permission_matrix.py), one module per app.

A module here defines:
- `build(country, writer, point, users) -> dict[str, object]`: creates that app's objects for
  one country ("co" or "pe") inside the matrix's world and returns {kind: primary key}.
  `writer` is a volunteer at `point`; `users` maps each Role to a user of Colombia's National
  Society (or global), so a vendor or partner user can be linked to the Colombian objects.
- `PARAM_KINDS = {"voucher_id": "voucher", ...}`: URL parameter -> kind.
- `PK_ROUTE_PREFIXES = {"voucher-": "voucher", ...}`: DRF route name prefix -> kind, for `pk`.
"""
