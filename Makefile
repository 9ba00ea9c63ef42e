# Saksi: the whole set-up on a fresh machine is `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SAKSI_HOME ?= $(CURDIR)/saksi-data

.PHONY: vendor run demo test test-reliability bench lint lock deps test-deps services screenshots clean catalogs catalog-template

# Runtime dependencies at the versions the image pins (docker/requirements.lock, `make lock`).
$(STAMP): pyproject.toml docker/requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install --quiet --disable-pip-version-check -c docker/requirements.lock -e '.[dev]' \
	  2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import eventsourcing, minio, ffmpeg, psycopg, pydantic, apscheduler, typer, fastapi, uvicorn, python_multipart, jinja2, playwright"
	test -x $(BIN)/weed
	touch $(STAMP)

# The web UI's words: gettext catalogs (api/http/ui/locale/*/LC_MESSAGES/messages.po, in git)
# compiled to .mo by Babel, which the UI reads (docs/i18n.md). Cheap, so always rebuilt.
LOCALES := api/http/ui/locale
catalogs: $(STAMP)
	@$(BIN)/pybabel compile --domain messages --directory $(LOCALES) >/dev/null

# The keys the templates use, extracted by Babel (t("key") calls) into messages.pot, to compare
# with the catalogs when adding pages (tests/unit/test_i18n_catalogs.py checks it too).
catalog-template: $(STAMP)
	$(BIN)/pybabel extract --mapping api/http/ui/babel.cfg --keywords t --no-location \
	  --omit-header --output $(LOCALES)/messages.pot api/http/ui

# System packages the archive needs: Debian's ffmpeg (installed when missing).
deps:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || \
	  (echo "installing ffmpeg (Debian package)"; \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg >/dev/null))

# The tests' live RTSP camera: Debian's GStreamer RTSP server and its Python bindings, run by
# Debian's /usr/bin/python3 (tests/support/rtsp_camera.py); and the browser the web UI's tests
# drive, Debian's Chromium (Playwright never downloads one). Installed when missing.
TEST_DEBS := python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-tools chromium
test-deps:
	@missing=$$(for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing" $$missing "(Debian packages)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null); fi

# PostgreSQL at 127.0.0.1:5432 for the tests; started when it is down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
	  (pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2)
	@pg_isready -h 127.0.0.1 -p 5432

# The front-end files Saksi serves itself (Leaflet, Swagger UI) and axe-core for the browser
# tests, copied from the npm packages pinned in web/package-lock.json. The copies are committed,
# so a clean clone, the image and an offline network need no npm; run this to move a version.
vendor:
	sh web/vendor.sh

# The HTTP API on the embedded default with demo data; prints the URL and sign-in tokens.
run: $(STAMP) deps catalogs
	@echo "starting Saksi on http://127.0.0.1:8000 (web UI: sign in with a token printed below; API docs: /docs; Ctrl-C stops it)"
	SAKSI_PUBLIC_URL=$${SAKSI_PUBLIC_URL:-http://127.0.0.1:8000} $(BIN)/saksi serve --demo --host 127.0.0.1 --port 8000

# The command-line demo alone (no server).
demo: $(STAMP) deps catalogs
	$(BIN)/python -m api.demo

# Two workers (pytest-xdist), a test file each at a time: most tests wait on servers, ffmpeg
# and the browser rather than compute. The fault-injection and load suite then runs alone, so
# its timings and kills meet a quiet machine.
test: $(STAMP) deps test-deps services lint catalogs
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --ignore=tests/reliability
	$(BIN)/python -m pytest -q tests/reliability

# The fault-injection and load suite alone (make test runs it too); figures in
# tests/artifacts/reliability.json.
test-reliability: $(STAMP) deps services catalogs
	$(BIN)/python -m pytest -q tests/reliability

# The pictures of docs/img/ (shown in the README): the demo city's pages in Debian's Chromium
# (tests/support/demo_screenshots.py), then the browser tests with screenshots on, both into
# tests/artifacts/screenshots/<name>.png (a test's picture replaces the demo's of the same
# name); the chosen ones are copied to docs/img/.
SCREENSHOTS := map-pull case-timeline clip-trail owner-upload case cameras map clip audit
screenshots: $(STAMP) deps test-deps services
	$(BIN)/python -m tests.support.demo_screenshots tests/artifacts/screenshots
	SAKSI_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e/test_ui_browser.py tests/e2e/test_ui_workflow.py
	mkdir -p docs/img
	for name in $(SCREENSHOTS); do shot=tests/artifacts/screenshots/$$name.png; \
	  if [ -f $$shot ]; then cp $$shot docs/img/ && echo "docs/img/$$name.png"; fi; done

# Pin the image's dependencies to this tested environment (docker/requirements.lock). To move a
# pin: change pyproject.toml, `.venv/bin/pip install -e '.[dev]'`, then `make lock`.
lock: $(STAMP)
	$(BIN)/python docker/lock.py > docker/requirements.lock

bench: $(STAMP) deps services catalogs
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,) $(if $(CITY),--city,) $(if $(CITY_EVENTS),--city-events $(CITY_EVENTS),)

# Style, types and layers are part of the tests: ruff (format and lint), mypy --strict on the
# package, and the import contracts of pyproject.toml (import-linter: the arrows point down).
lint: $(STAMP) catalogs
	$(BIN)/ruff format --check --quiet archive domain ledger storage retention api tests bench
	$(BIN)/ruff check --quiet archive domain ledger storage retention api tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) saksi-data .pytest_cache
