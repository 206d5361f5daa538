# Two entry points for a fresh Debian 12 machine with root (see README.md):
#   make demo   set up everything, bring up the sandbox PBX and run the demo campaign
#   make test   set up everything and run the whole test suite (what CI runs)
SHELL := /bin/bash
PY ?= python3
VENV := .venv
APT_PACKAGES := debootstrap sip-tester espeak-ng sox ffmpeg make chromium chromium-driver systemd logrotate postgresql-client kamailio

.PHONY: setup host-packages venv demo test clean messages

setup: host-packages venv

# Host tools: debootstrap builds the sandbox root, sip-tester (SIPp) plays callers,
# espeak-ng and sox render Vietnamese prompts offline.
host-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

demo: setup
	$(VENV)/bin/robocall demo

# mypy first (config in pyproject.toml: 0 errors, strict for the pure parts), then the suite.
test: setup
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -q -rs

clean:
	-$(VENV)/bin/robocall sandbox down
	rm -rf $(VENV) var

# Staff-facing messages: extract every _("...") of ivr/ and add the new ones, empty, to each language's
# catalogue (sorted, without line numbers). Then fill in the Vietnamese msgstr (see ivr/i18n.py).
messages: venv
	$(VENV)/bin/python -m ivr.i18n_tool update
