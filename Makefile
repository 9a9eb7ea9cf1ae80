# The two set-up commands of the README: `make run` and `make test`.
# Both install whatever is missing on a fresh Debian machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: run test lint typecheck unit deps bench clean

deps:
	@scripts/ensure-deps.sh

run: deps
	@scripts/run.sh

test: deps
	@scripts/test.sh

lint:
	uv run ruff check src tests migrations bench scripts
	uv run ruff format --check src tests migrations bench scripts
	uv run lint-imports

typecheck:
	@mkdir -p build/typecheck && ln -sfn ../../src build/typecheck/yiwang
	cd build/typecheck && MYPYPATH=. uv run --project ../.. mypy -p yiwang

unit:
	uv run pytest tests/unit -q

bench: deps
	@scripts/bench.sh

clean:
	scripts/services.sh stop all || true
	rm -rf var build
