"""Operations under real use (issue 6, items 5–7): several app servers, faults, backups.

Every test here runs gunicorn or Django in child processes against PostgreSQL databases named
`ops_<run>_*` that it creates and drops itself (never `test`, `lead` or `bench_*`, which others use).
PostgreSQL must answer on 127.0.0.1:5432: when it does not, these tests fail, never skip (CI starts it).
"""
