# HAI Treasury Assistant — the two commands:  make run   |   make test
# Two environments, installed on demand from pinned lock files:
#   .venv/rasa  Rasa 3.6.21 server + TensorFlow 2.12 (Rasa's pins clash with the modern stack)
#   .venv/app   action server (rasa-sdk), FastAPI, torch 2.13 CPU, sentence-transformers, FAISS, analytics
SHELL := /bin/bash
PYTHON ?= python3
APP_PY := .venv/app/bin/python
RASA := .venv/rasa/bin/rasa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run run-cluster cluster-packages bench-cluster test install browser weka train validate pytest reset check \
        eval-retrieval bench-retrieval bench-pagu bench-bills bench-rekon eval-accounts eval-nlu eval-triage bench-chat bench-api contract-api bench-turns bench-startup tune

run: install
	$(APP_PY) -m hai.launcher run

test: install browser cluster-packages validate pytest

# Replicas of every process on PostgreSQL and Redis behind nginx (hai/cluster.py); sizes from HAI_CLUSTER_RASA,
# HAI_CLUSTER_ACTIONS, HAI_CLUSTER_API. The servers' data lives under data/cluster/; no system service is used.
run-cluster: install cluster-packages
	$(APP_PY) -m hai.launcher run-cluster

# Debian's PostgreSQL (bookworm: 15), Redis and nginx for run-cluster and its tests (installed once, if missing).
PG_VERSION ?= 15
cluster-packages:
	bash scripts/ensure_deb.sh /usr/lib/postgresql/$(PG_VERSION)/bin/postgres postgresql-$(PG_VERSION)
	bash scripts/ensure_deb.sh /usr/bin/redis-server redis-server
	bash scripts/ensure_deb.sh /usr/sbin/nginx nginx-light

# Debian's Chromium for the browser tests of the web chat and the agent console (installed once, if missing).
browser:
	bash scripts/ensure_deb.sh /usr/bin/chromium chromium

# The reference tools the benchmarks compare against, from Debian (installed once, if missing).
weka:
	bash scripts/ensure_deb.sh /usr/share/java/weka.jar weka default-jre-headless

install: .venv/app/.installed .venv/rasa/.installed

.venv/app/.installed: requirements/app.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	test -x $(APP_PY) || $(PYTHON) -m venv .venv/app
	$(APP_PY) -m pip install -q -r requirements/app.lock
	touch $@

.venv/rasa/.installed: requirements/rasa.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version'
	test -x .venv/rasa/bin/python || $(PYTHON) -m venv .venv/rasa
	.venv/rasa/bin/python -m pip install -q -r requirements/rasa.lock
	# rasa 3.6 declares Requires-Python <3.11; its dependencies are pinned above, so install it alone.
	.venv/rasa/bin/python -m pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	touch $@

train: install
	$(APP_PY) -m hai.launcher train

validate: .venv/rasa/.installed
	$(RASA) data validate --data bot --domain domain.yml --config config.yml --fail-on-warnings

pytest: .venv/app/.installed
	$(APP_PY) -m pytest -q

check: install
	$(APP_PY) -m hai.launcher check

tune: .venv/app/.installed
	$(APP_PY) -m knowledge tune

reset:
	rm -rf data models

# --- benchmarks and evaluations (on demand; never part of make test) ---------------------------------
eval-retrieval: install
	$(APP_PY) -m benchmarks.eval_retrieval

bench-retrieval: install
	$(APP_PY) -m benchmarks.bench_retrieval

# statsforecast and pmdarima are benchmark-only: a third environment, the app's lock plus bench.in.
.venv/bench/.installed: requirements/app.lock requirements/bench.in
	test -x .venv/bench/bin/python || $(PYTHON) -m venv .venv/bench
	.venv/bench/bin/python -m pip install -q -r requirements/app.lock -r requirements/bench.in
	touch $@

bench-pagu: .venv/bench/.installed
	.venv/bench/bin/python -m benchmarks.bench_pagu

bench-bills: .venv/app/.installed
	$(APP_PY) -m benchmarks.bench_bills

bench-rekon: .venv/app/.installed weka
	$(APP_PY) -m benchmarks.bench_rekon

eval-accounts: .venv/app/.installed
	$(APP_PY) -m benchmarks.eval_accounts

bench-turns: install
	$(APP_PY) -m benchmarks.bench_turns

eval-nlu: install
	$(APP_PY) -m benchmarks.eval_nlu

# triage of ticket exports on a synthetic export: team routing vs a keyword baseline, grouping, name redaction
eval-triage: .venv/app/.installed
	$(APP_PY) -m benchmarks.eval_triage

bench-chat: install
	$(APP_PY) -m benchmarks.bench_chat

# 50 simulated users over REST through nginx of run-cluster, on two Rasa servers and on one (benchmarks/bench_cluster.py)
bench-cluster: install cluster-packages
	$(APP_PY) -m benchmarks.bench_cluster

bench-api: .venv/app/.installed
	$(APP_PY) -m benchmarks.bench_api

# schemathesis over the OpenAPI document with 100 generated examples per operation (the test suite uses 8)
# A fresh `make run` (empty data folder and ONNX cache) to its first answer and to the tuned model answering.
bench-startup: install
	$(APP_PY) -m benchmarks.bench_startup

contract-api: .venv/app/.installed
	HAI_SCHEMATHESIS_EXAMPLES=100 $(APP_PY) -m pytest -q -s -p no:cacheprovider tests/api/test_openapi_fuzz.py
