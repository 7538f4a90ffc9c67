"""Production settings (DEBUG off) for the servers and scripts of tests/ops, with two test-only changes.

- Passwords are hashed with MD5, so that seeding a world and signing in take milliseconds: what is
  tested here is where sessions, files and rows live, not password hashing.
- Static files are served from the source folders (whitenoise's finders) instead of a `collectstatic`
  run with compression (20 s on 2 cores); the pages are the same, their CSS links unhashed.

Everything else, sessions in the database and files through Django's storage API included, is
emulation/settings.py as deployed.
"""

from emulation.settings import *  # noqa: F403
from emulation.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
