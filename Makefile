# Two commands: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi

# Fonts and Pango for WeasyPrint (Chinese PDFs); libharfbuzz-subset0 keeps each PDF fast.
RUN_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 shared-mime-info
# The browser tests drive Debian's Chromium; pdffonts checks embedded fonts. The camera tests
# stream a classroom over RTSP with GStreamer's server (system Python with GObject
# introspection): MP4 demuxing and RTP payloads (good), H.264 parsing, OpenH264 encoding and
# the loop between pipelines (bad), H.264 decoding (libav).
CAMERA_TEST_PACKAGES := python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils $(CAMERA_TEST_PACKAGES)

.PHONY: run test setup-run setup-test translations lint format clean

# DEMO=0 leaves the demo province out (production: see the README).
DEMO ?= 1

run: setup-run
	$(BIN)/flask db upgrade
	@if [ "$(DEMO)" != 0 ]; then $(BIN)/flask seed-demo; fi
	@scripts/serve.sh

test: setup-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup-run: .stamps/system-run $(VENV)/.installed-run translations
setup-test: .stamps/system-test $(VENV)/.installed-test translations

.stamps/system-run:
	scripts/ensure-system-packages.sh $(RUN_PACKAGES)
	@mkdir -p .stamps && touch $@

.stamps/system-test:
	scripts/ensure-system-packages.sh $(TEST_PACKAGES)
	@mkdir -p .stamps && touch $@

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-dev.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

translations: $(VENV)/.installed-run
	$(BIN)/pybabel compile --statistics -d training_portal/translations

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrites the code in the house style ([tool.ruff.format] in pyproject.toml).
format: setup-test
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .stamps .pytest_cache
