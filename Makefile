# Set-up and everyday commands. From a fresh clone: `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: audit run test lint serve edge worker beat bench bench-search bench-backup bench-readers bench-wagtail \
	chromium varnish pg-client gettext wrk clean help cluster wordpress-fixtures wordpress-packages bench-import

help:
	@echo "make run     - install, migrate, load demo content and serve on http://$(HOST):$(PORT)"
	@echo "make test    - install dev tools and run ruff and the whole test suite"
	@echo "make serve   - gunicorn with production settings from the environment"
	@echo "make edge    - the site behind Varnish on http://$(EDGE_HOST):$(EDGE_PORT) (gunicorn on $(HOST):$(PORT))"
	@echo "make varnish - install Varnish and vmod xkey (Debian packages) when missing"
	@echo "make worker  - Celery worker with beat (needs REDIS_URL)"
	@echo "make bench   - page benchmark with wrk (needs DATABASE_URL and REDIS_URL)"
	@echo "make bench-search - search benchmark alone, 100,000 articles (needs DATABASE_URL)"
	@echo "make bench-backup - backup and restore of 100,000 articles and 10,000 images (needs DATABASE_URL)"
	@echo "make cluster - several-machine topology in network namespaces and its failure tests (root, Linux)"
	@echo "make bench-readers - read beacon and a 50,000-subscriber digest (needs DATABASE_URL and REDIS_URL)"
	@echo "make wordpress-fixtures - regenerate tests/wordpress/fixtures with a real WordPress"
	@echo "make bench-import - import a generated 50,000-post WordPress export (needs DATABASE_URL)"
	@echo "make bench-wagtail - the story page beside a Wagtail site serving the same stories (needs DATABASE_URL and REDIS_URL)"

# Each stamp is rebuilt when its requirements file changes.
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Browser tests drive Debian's Chromium; install it when it is missing
# (as root, as on CI; otherwise say how).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else \
	    echo "chromium is missing: run 'sudo apt-get install chromium' to run the browser tests"; \
	  fi; \
	fi

# xgettext and msgfmt (Debian's gettext) for the catalogue tests: every marked string
# has Armenian, and the committed locale/*/LC_MESSAGES/django.mo is the compiled .po.
# The site itself needs neither (the .mo is committed). Installed when missing (as
# root, as on CI; otherwise say how).
gettext:
	@if ! command -v msgfmt >/dev/null || ! command -v xgettext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's gettext for the catalogue tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) \
	      || echo "gettext could not be installed: the catalogue tests will be skipped"; \
	  else \
	    echo "gettext is missing: run 'sudo apt-get install gettext' to run the catalogue tests"; \
	  fi; \
	fi

# Varnish and its xkey vmod (Debian's varnish-modules) for `make edge` and the
# edge tests (tests/caching/test_varnish.py); installed when missing (as root,
# as on CI; otherwise say how).
varnish:
	@xkey=; for f in /usr/lib/varnish/vmods/libvmod_xkey.so /usr/lib/*/varnish/vmods/libvmod_xkey.so; do \
	  [ -e "$$f" ] && xkey=$$f; done; \
	if { ! command -v varnishd >/dev/null && [ ! -x /usr/sbin/varnishd ]; } || [ -z "$$xkey" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's varnish and varnish-modules (vmod xkey)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null) \
	      || echo "varnish could not be installed: the Varnish tests will be skipped"; \
	  else \
	    echo "varnish or vmod xkey is missing: run 'sudo apt-get install varnish varnish-modules' for make edge and the Varnish tests"; \
	  fi; \
	fi

# pg_dump and pg_restore for backups and their tests (tests/backups) when DATABASE_URL
# is PostgreSQL; installed when missing (as root, as on CI; otherwise say how). Debian's
# postgresql-client is the distribution's server version (15 on Debian 12).
pg-client:
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) \
	  if ! command -v pg_dump >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_dump >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then \
	      echo "Installing Debian's postgresql-client for backups"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null) \
	        || echo "postgresql-client could not be installed: the backup tests will fail"; \
	    else \
	      echo "pg_dump is missing: run 'sudo apt-get install postgresql-client' for backups and their tests"; \
	    fi; \
	  fi;; esac
# `make run`'s local settings (git-ignored), written once: development mode and a
# generated SECRET_KEY. manage.py reads it too, so `.venv/bin/python manage.py
# createsuperuser` (or any command) works in this environment; variables set in the
# shell win over it. Delete it to start over.
ENV_FILE ?= .env
$(ENV_FILE):
	@umask 077; { \
	  echo "# Local development settings, written by make run (git-ignored); read by manage.py."; \
	  echo "DEBUG=true"; \
	  echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	  echo "TWO_FACTOR_REQUIRED=false"; \
	} > $@
	@echo "Wrote $@ (development settings for manage.py)"

run: export DEBUG ?= true
run: export TWO_FACTOR_REQUIRED ?= false
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.runtime $(ENV_FILE)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(VENV)/.dev chromium varnish pg-client gettext lint audit
	$(BIN)/pytest

# Security gates: no known-vulnerable pinned package (PyPI's advisory data;
# PIP_AUDIT_ARGS=--strict also fails when a package could not be checked), and
# bandit clean at medium severity and above, beyond the reviewed findings in
# .bandit-baseline.json.
PIP_AUDIT_ARGS ?=
audit: $(VENV)/.dev
	$(BIN)/pip-audit --no-deps --progress-spinner off -r requirements.txt $(PIP_AUDIT_ARGS)
	$(BIN)/bandit -q -c pyproject.toml -r . -ll -b .bandit-baseline.json

# Production settings come from the environment (SECRET_KEY, ALLOWED_HOSTS,
# DATABASE_URL, REDIS_URL, ...); WEB_CONCURRENCY and GUNICORN_THREADS size it.
serve: $(VENV)/.runtime
	$(PY) manage.py collectstatic --noinput -v0
	$(BIN)/gunicorn newsroom.wsgi -c newsroom/gunicorn.conf.py

# The site behind Varnish, as readers would get it: varnishd on EDGE_HOST:EDGE_PORT
# in the foreground with deploy/varnish/default.vcl (its backend rewritten to
# HOST:PORT), gunicorn there in the background, stopped when varnishd exits
# (Ctrl-C). Django purges Varnish by key (EDGE_PURGE=varnish). Local settings
# as in `make run` unless the environment says otherwise; Varnish's work
# directory is EDGE_DIR.
EDGE_HOST ?= 127.0.0.1
EDGE_PORT ?= 8080
EDGE_DIR ?= /tmp/newsroom-varnish-$(EDGE_PORT)
VARNISH_STORAGE ?= malloc,256m
edge: export DEBUG ?= true
edge: export TWO_FACTOR_REQUIRED ?= false
edge: export SITE_URL ?= http://$(EDGE_HOST):$(EDGE_PORT)
edge: export EDGE_PURGE ?= varnish
edge: export VARNISH_PURGE_URLS ?= http://$(EDGE_HOST):$(EDGE_PORT)
# Varnish adds the reader's address to X-Forwarded-For: trust that one proxy.
edge: export TRUSTED_PROXY_COUNT ?= 1
edge: $(VENV)/.runtime varnish
	@PATH="$$PATH:/usr/sbin" command -v varnishd >/dev/null \
	  || { echo "make edge needs varnishd: sudo apt-get install varnish varnish-modules"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	mkdir -p $(EDGE_DIR)
	sed -e '/^backend default {/,/^}/s/^\( *\.host = \)"[^"]*"/\1"$(HOST)"/' \
	    -e '/^backend default {/,/^}/s/^\( *\.port = \)"[^"]*"/\1"$(PORT)"/' \
	    deploy/varnish/default.vcl > $(EDGE_DIR)/default.vcl
	@echo "The site through Varnish: http://$(EDGE_HOST):$(EDGE_PORT)/ (Ctrl-C stops Varnish and gunicorn)"
	BIND=$(HOST):$(PORT) $(BIN)/gunicorn newsroom.wsgi -c newsroom/gunicorn.conf.py & gunicorn=$$!; \
	trap 'kill $$gunicorn 2>/dev/null; wait $$gunicorn 2>/dev/null' EXIT INT TERM; \
	PATH="$$PATH:/usr/sbin" varnishd -F -a $(EDGE_HOST):$(EDGE_PORT) -f $(EDGE_DIR)/default.vcl \
	  -n $(EDGE_DIR)/instance -s $(VARNISH_STORAGE) -p default_grace=1

# The load generator for `make bench`; installed when missing (as root, as on CI).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wrk for the benchmark"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || { echo "wrk could not be installed"; exit 1; }; \
	  else \
	    echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; \
	  fi; \
	fi

# Needs DATABASE_URL (PostgreSQL) and REDIS_URL; BENCH_ARTICLES=100000 for scale.
# Varnish is measured too when installed (`make varnish`): BENCH_VARNISH=1 requires
# it, BENCH_VARNISH=0 leaves it out.
bench: $(VENV)/.runtime wrk varnish
	$(PY) -m bench.pages
	$(MAKE) --no-print-directory bench-search
	$(MAKE) --no-print-directory bench-backup
	$(MAKE) --no-print-directory bench-readers

# Search speed (bench/search.py) on BENCH_ARTICLES generated articles, 100,000 when
# unset (generated once, in minutes; reused by later runs), kept in a database of
# their own: BENCH_SEARCH_DATABASE_URL, by default DATABASE_URL's with "_search" added.
BENCH_SEARCH_DATABASE_URL ?= $(DATABASE_URL)_search
bench-search: $(VENV)/.runtime
	@case "$(BENCH_SEARCH_DATABASE_URL)" in postgres://*|postgresql://*) ;; \
	  *) echo "make bench-search needs DATABASE_URL=postgres://..."; exit 2;; esac
	DATABASE_URL="$(BENCH_SEARCH_DATABASE_URL)" $(PY) -m bench.search --setup \
	  --articles $(or $(BENCH_ARTICLES),100000)

# Backup and restore speed (bench/backups.py): 100,000 generated articles and 10,000
# images (generated once, reused), in a database of their own,
# BENCH_BACKUP_DATABASE_URL (DATABASE_URL's with "_backup" added); the restore target
# is created next to it and dropped afterwards.
BENCH_BACKUP_DATABASE_URL ?= $(DATABASE_URL)_backup
bench-backup: $(VENV)/.runtime
	@case "$(BENCH_BACKUP_DATABASE_URL)" in postgres://*|postgresql://*) ;; \
	  *) echo "make bench-backup needs DATABASE_URL=postgres://..."; exit 2;; esac
	DATABASE_URL="$(BENCH_BACKUP_DATABASE_URL)" $(PY) -m bench.backups \
	  --articles $(or $(BENCH_ARTICLES),100000) --images $(or $(BENCH_IMAGES),10000)
# The read beacon against the bare Django view, and a digest to BENCH_SUBSCRIBERS
# (50,000) through a real worker into a local SMTP sink (bench/readers.py). The sink
# is aiosmtpd, a development requirement.
# The story page beside a Wagtail site serving the same stories (bench/wagtail.py):
# Wagtail in a virtualenv of its own, never among the project's requirements.
WAGTAIL_VENV ?= .venv-wagtail
$(WAGTAIL_VENV)/.ready: bench/wagtail_site/requirements.txt
	$(PYTHON) -m venv $(WAGTAIL_VENV)
	$(WAGTAIL_VENV)/bin/pip install -q -r bench/wagtail_site/requirements.txt
	touch $@

bench-wagtail: $(VENV)/.runtime $(WAGTAIL_VENV)/.ready wrk
	WAGTAIL_PYTHON=$(WAGTAIL_VENV)/bin/python $(PY) -m bench.wagtail

bench-readers: $(VENV)/.dev wrk
	$(PY) -m bench.readers

worker: $(VENV)/.runtime
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	$(BIN)/celery -A newsroom worker -B --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The several-machine topology (tests/cluster/topology.py): network namespaces on a
# bridge (10.231.0.0/24) for a PostgreSQL primary and streaming replica, Redis, two
# gunicorn hosts behind Varnish, two Celery worker hosts and beat; then the failure
# tests (tests/cluster/), then everything is removed, also when a test fails. Root and
# Linux only. The test process talks to the cluster's own servers, never to the
# machine's PostgreSQL or Redis.
CLUSTER_NET := 10.231.0
cluster: export CLUSTER_TESTS = 1
cluster: export DEBUG = false
cluster: export SECRET_KEY = cluster-test-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
cluster: export ALLOWED_HOSTS = $(CLUSTER_NET).30,news.example.com
cluster: export SITE_URL = http://$(CLUSTER_NET).30:8080
cluster: export DATABASE_URL = postgres://postgres@$(CLUSTER_NET).11:5441/newsroom
cluster: export DATABASE_REPLICA_URL = postgres://postgres@$(CLUSTER_NET).12:5442/newsroom
cluster: export REPLICA_MAX_LAG = 3.0
cluster: export REPLICA_CHECK_SECONDS = 0.5
cluster: export REDIS_URL = redis://$(CLUSTER_NET).13:6390/0
cluster: export CELERY_BROKER_URL = redis://$(CLUSTER_NET).13:6390/1
cluster: export CELERY_RESULT_BACKEND = redis://$(CLUSTER_NET).13:6390/1
cluster: export EDGE_PURGE = varnish
cluster: export VARNISH_PURGE_URLS = http://$(CLUSTER_NET).30:8080
cluster: export TRUSTED_PROXY_COUNT = 1
cluster: export SECURE_SSL_REDIRECT = false
cluster: export TWO_FACTOR_REQUIRED = false
cluster: $(VENV)/.dev varnish
	@if [ "$$(id -u)" != 0 ] || [ "$$(uname -s)" != Linux ]; then \
	  echo "make cluster needs root on Linux (network namespaces, PostgreSQL run as postgres)"; exit 2; fi
	@command -v redis-server >/dev/null || { echo "make cluster needs redis-server"; exit 2; }
	$(BIN)/pytest tests/cluster -p no:cacheprovider -o addopts="-ra --strict-markers" \
	  -q $(CLUSTER_PYTEST_ARGS); status=$$?; \
	  $(PY) -c "from tests.cluster import topology; topology.down()"; exit $$status

# WordPress, PHP and its MySQL/GD modules for `make wordpress-fixtures`; installed when
# missing (as root, as on CI). MariaDB must already run (root on its socket).
wordpress-packages:
	@if ! dpkg -s wordpress php-cli php-mysql php-gd >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wordpress, php-cli, php-fpm, php-mysql and php-gd"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends wordpress php-cli php-fpm php-mysql php-gd >/dev/null) \
	      || { echo "the WordPress packages could not be installed"; exit 1; }; \
	  else \
	    echo "missing: sudo apt-get install wordpress php-cli php-fpm php-mysql php-gd"; exit 1; \
	  fi; \
	fi

# The committed WXR fixtures and uploads tree, written by WordPress's own export_wp()
# (tests/wordpress/fixtures/make/). The tests use the committed files.
wordpress-fixtures: wordpress-packages
	tests/wordpress/fixtures/make/make.sh

# Import speed and peak memory on BENCH_IMPORT_POSTS (default 50,000) generated posts,
# into a database of its own: BENCH_IMPORT_DATABASE_URL (DATABASE_URL's name + "_import").
BENCH_IMPORT_DATABASE_URL ?= $(DATABASE_URL)_import
bench-import: $(VENV)/.runtime
	@case "$(BENCH_IMPORT_DATABASE_URL)" in postgres://*|postgresql://*) ;; \
	  *) echo "make bench-import needs DATABASE_URL=postgres://..."; exit 2;; esac
	DATABASE_URL="$(BENCH_IMPORT_DATABASE_URL)" $(PY) -m bench.wxr_import \
	  --posts $(or $(BENCH_IMPORT_POSTS),50000)
