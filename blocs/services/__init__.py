"""Use cases of the blocs app, one module per aggregate: one function each, keyword-only, one transaction,
one audit entry (style.md). Reads that write nothing are in blocs/selectors.py.

- `units`: units, blocs and the award catalogue's rows, and provinces.
- `bloc_years`: a bloc year's creation, settings, steps forward, and the next year.
- `membership`: member units, the head and the deputies.
- `registration`: the covenant and the units' registrations.
- `scoring`: the scoring table, self-scores, cross-checks, verification, publication.
- `imports`: applying an Excel import of units and memberships.
- `people`: accounts and roles named without the Django admin, and one-time sign-in links.

Views, the importers, the archive and the demo loader all write through these functions.
"""
