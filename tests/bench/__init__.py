"""Benchmarks (`make bench`): measurements with their machine, never pass/fail assertions (style.md, "Tests").

`run.py` runs each section module in its own process (each sets up Django against its own scratch
database) and writes one report, `bench-report.md` and `bench-report.json`, at the repository root.
A new section is a module with `main()` built on `common.child_main`, listed in `run.SECTIONS`.
"""
