# Anxin: `make run` serves the real server with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
UV := .tools/bin/uv
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: install run test trace bench lint format messages

$(UV):
	@bash scripts/bootstrap-uv.sh

install: $(UV)
	@$(UV) sync --frozen --python python3.11 --quiet

run: install
	@DJANGO_SETTINGS_MODULE=anxin.config.settings.local .venv/bin/anxin serve

test: install
	@bash scripts/test.sh

trace: install
	@bash scripts/test.sh --trace

bench: install
	@.venv/bin/python bench/run.py $(BENCH)

lint: install
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: install
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# Regenerate the translation catalogues from the source, then compile them.
messages: install
	@bash scripts/messages.sh
