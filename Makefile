# Two commands do all the set-up on a fresh machine: `make book` and `make test`.
# Each creates .venv and installs the pinned environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray
BROWSER_STAMP := $(VENV)/.installed-browser
# Another Chromium (not Debian's): make test CHROMIUM=/path/to/chromium
CHROMIUM ?= /usr/bin/chromium
export LRLIB_CHROMIUM := $(CHROMIUM)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MNIST ?= $(wildcard ../shared/data/mnist.npz)

export TF_CPP_MIN_LOG_LEVEL ?= 2
ifneq ($(MNIST),)
export LRLIB_MNIST_PATH ?= $(abspath $(MNIST))
endif

.PHONY: book student-book test reproduce lab benchmark student clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $(STAMP)

# Ray, an optional extra of lrlib (requirements-ray.txt): the tests of `reproduce --ray` need it,
# the book does not.
$(RAY_STAMP): requirements-ray.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-ray.txt
	touch $(RAY_STAMP)

# The browser tests: Playwright and Voila (requirements-browser.txt), and Debian's headless
# Chromium (a test tool's own browser download fails offline; Debian's comes from its mirror).
$(BROWSER_STAMP): requirements-browser.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $(BROWSER_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

## book: build the HTML book from the committed full-profile results (trains nothing; the
## book's own results only, never a learner's runs in the user's cache), then the learner
## notebooks beside its pages and lrlib's wheel, which those notebooks install
book: $(STAMP)
	LRLIB_PROFILE=full LRLIB_STORED_ONLY=1 LRLIB_RESULTS_DIR=$(CURDIR)/lrlib/results \
		$(BIN)/jupyter-book build . --warningiserror --keep-going
	$(BIN)/python -m lrlib.edition _build
	@echo "The book is at _build/html/index.html, each chapter's learner notebook beside its page"

## student-book: the same book and learner notebooks with no solution anywhere (pages, search
## index, notebooks), for a class whose assignments count: built from a copy of the sources with
## the solutions taken out, into _build/student/_build/html
student-book: $(STAMP)
	rm -rf _build/student
	$(BIN)/python -m lrlib.edition.student_book _build/student/sources
	LRLIB_PROFILE=full LRLIB_STORED_ONLY=1 LRLIB_RESULTS_DIR=$(CURDIR)/lrlib/results \
		$(BIN)/jupyter-book build _build/student/sources --path-output _build/student --warningiserror --keep-going
	$(BIN)/python -m lrlib.edition _build/student/_build --no-solutions
	@echo "The student book is at _build/student/_build/html/index.html: no solutions in it"

## test: unit tests, every notebook under nbval (quick profile), the book build, and the
## book and one chapter's live widgets in headless Chromium (screenshots in _build/screenshots)
test: $(STAMP) $(RAY_STAMP) $(BROWSER_STAMP) $(CHROMIUM)
	LRLIB_PROFILE=quick $(BIN)/python -m pytest

## reproduce: train every full-profile result the book needs that is not stored yet
## (JOBS=N: N runs at once, in worker processes)
reproduce: $(STAMP)
	$(BIN)/python -m lrlib reproduce --profile full $(if $(JOBS),--jobs $(JOBS))

## lab: open the chapters in JupyterLab (quick profile)
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet $$(grep '^jupyterlab==' requirements-browser.txt)
	LRLIB_PROFILE=quick $(BIN)/jupyter lab book

## benchmark: lrlib.run and schedules against plain model.fit
benchmark: $(STAMP)
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/schedule_overhead.py
	$(BIN)/python benchmarks/range_test_cost.py

## student: the chapters without their solutions, for a class (into student/)
student: $(STAMP)
	$(BIN)/python -m lrlib student-edition student

clean:
	rm -rf _build
