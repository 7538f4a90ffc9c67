# Two commands do all the set-up: `make run` and `make test` (README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-e2e lint check-messages messages bench clean

# pytest-xdist: one test process per core by default; TEST_PROCESSES=0 runs everything in one process.
TEST_PROCESSES ?= auto

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# axe-core and the Nu HTML Checker (vnu.jar, run with Java) for the browser tests' accessibility and HTML
# checks: `npm ci` from package-lock.json, again whenever the lock file is newer than the last install.
# --ignore-scripts: vnu-jar's postinstall only looks for Java; the jar itself is in the package.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18+ with npm (the browser tests need axe-core and vnu-jar)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/python manage.py compilemessages -l vi -v 0
	$(BIN)/python manage.py migrate -v 0
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python manage.py compilemessages -l vi -v 0
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --no-location -i '.venv/*' -i 'node_modules/*' -i 'artifacts/*'

check-messages: $(STAMP)
	$(BIN)/python .ci/check_messages.py locale/vi/LC_MESSAGES/django.po

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) db.sqlite3 media/

# Back up a scratch world with pg_dump, restore it into a fresh database and compare (docs/backup.md §5).
.PHONY: backup-check soak
backup-check: $(STAMP)
	$(BIN)/python manage.py compilemessages -l vi -v 0
	$(BIN)/python -m tests.ops.backup_check

# The soak section of `make bench` alone (SOAK_SECONDS=300 by default).
soak: $(STAMP)
	$(BIN)/python -m tests.bench.run --only soak
