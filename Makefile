# bg95 — the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build release test demo bench soak clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Every test: unit tests of the pure cores and integration tests against the real kernel,
# libudev, libmnl, dnsmasq and umockdev in namespaces. Needs root.
test: deps
	$(SWIFT) build --build-tests
	BG95_BIN_DIR=$$($(SWIFT) build --show-bin-path) $(SWIFT) test --skip-build --disable-swift-testing
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) ./Fuzz/fuzz.sh
	BG95_BIN_DIR=$$($(SWIFT) build --show-bin-path) python3 scripts/soak.py --faults 50 --speed 25 --seed $(SOAK_TEST_SEED)

demo: deps
	@./scripts/demo.sh

bench: deps
	@BENCH_SWIFTFLAGS="$(INSTALL_SWIFTFLAGS)" ./scripts/bench.sh

# Fault soak (docs/soak.md): FAULTS faults over PROFILES x MODES, seeded by SEED (random and
# printed when empty), simulator speed factor SPEED. `make test` runs a short one.
FAULTS ?= 100
SEED ?=
SPEED ?= 20
PROFILES ?= qnetdevctl autoconnect
MODES ?= modem ecm
SOAK_TEST_SEED ?= 1
soak: deps
	$(SWIFT) build
	BG95_BIN_DIR=$$($(SWIFT) build --show-bin-path) python3 scripts/soak.py --faults $(FAULTS) --speed $(SPEED) \
		--profiles $(PROFILES) --modes $(MODES) $(if $(SEED),--seed $(SEED),)

clean:
	rm -rf .build

# libFuzzer targets (docs/reliability.md, "Fuzzing"): FUZZ_SECONDS per target, prints a table
# of executions, coverage and crashes; `make test` runs TEST_FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 10
.PHONY: fuzz
fuzz: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) ./Fuzz/fuzz.sh

# ---------------------------------------------------------------------------------------------
# Operating: man pages, shell completions, install/uninstall (README "Operating").
# PREFIX and DESTDIR are honoured; every directory can be overridden. CONFIGURATION=debug
# installs the debug build instead of a release build (the install test uses it).
CONFIGURATION ?= release
# Installed binaries carry the Swift runtime, so they run without the toolchain (embedded boards).
# -Osize: 0.4 MB (2 %) smaller stripped bg95d, same RSS (docs/benchmarks.md, "Binary size").
INSTALL_SWIFTFLAGS ?= $(if $(filter release,$(CONFIGURATION)),--static-swift-stdlib -Xswiftc -Osize,)
INSTALL_STRIP ?= $(if $(filter release,$(CONFIGURATION)),-s,)
INSTALL_BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/bg95
UNITDIR ?= $(PREFIX)/lib/systemd/system
# udev reads /etc, /run and /usr/lib only (not /usr/local/lib): default to /etc.
UDEVRULESDIR ?= /etc/udev/rules.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
GENDIR := .build/generated
PRODUCTS_DIR ?= $(shell $(SWIFT) build -c $(CONFIGURATION) --show-bin-path)
# Manual pages carry the date of the last commit, so they are reproducible.
MANDATE = $(shell git log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)
INSTALL ?= install

.PHONY: products man completions install uninstall

# SKIP_BUILD=1 uses the binaries already in PRODUCTS_DIR (a `swift build` would wait for the
# build lock that a running `swift test` holds; the install test relies on this).
ifeq ($(SKIP_BUILD),)
products:
	$(SWIFT) build -c $(CONFIGURATION) $(INSTALL_SWIFTFLAGS) --product bg95d
	$(SWIFT) build -c $(CONFIGURATION) $(INSTALL_SWIFTFLAGS) --product bg95ctl
else
products:
	@test -x $(PRODUCTS_DIR)/bg95d -a -x $(PRODUCTS_DIR)/bg95ctl || \
		{ echo "SKIP_BUILD: bg95d/bg95ctl missing in $(PRODUCTS_DIR)" >&2; exit 1; }
endif

# Rendered from the CLI definitions (`--experimental-dump-help`, the input of
# swift-argument-parser's generate-manual plugin) by scripts/render-man.py, plus the
# hand-written sections in man/*.extra (exit status, files, examples).
man: products
	mkdir -p $(GENDIR)/man
	$(PRODUCTS_DIR)/bg95ctl --experimental-dump-help | \
		python3 scripts/render-man.py --section 1 --date $(MANDATE) --extra man/bg95ctl.extra > $(GENDIR)/man/bg95ctl.1
	$(PRODUCTS_DIR)/bg95d --experimental-dump-help | \
		python3 scripts/render-man.py --section 8 --date $(MANDATE) --extra man/bg95d.extra > $(GENDIR)/man/bg95d.8

completions: products
	mkdir -p $(GENDIR)/completions
	$(PRODUCTS_DIR)/bg95ctl --generate-completion-script bash > $(GENDIR)/completions/bg95ctl.bash
	$(PRODUCTS_DIR)/bg95ctl --generate-completion-script zsh > $(GENDIR)/completions/_bg95ctl
	$(PRODUCTS_DIR)/bg95ctl --generate-completion-script fish > $(GENDIR)/completions/bg95ctl.fish

install: products man completions
	$(INSTALL) -d $(DESTDIR)$(INSTALL_BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVRULESDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) $(INSTALL_STRIP) -m 0755 $(PRODUCTS_DIR)/bg95d $(PRODUCTS_DIR)/bg95ctl $(DESTDIR)$(INSTALL_BINDIR)/
	sed -e 's#/usr/local/bin/bg95d#$(INSTALL_BINDIR)/bg95d#' -e 's#/usr/local/share/doc/bg95#$(DOCDIR)#g' \
		systemd/bg95d.service > $(DESTDIR)$(UNITDIR)/bg95d.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/bg95d.service
	$(INSTALL) -m 0644 udev/70-bg95.rules $(DESTDIR)$(UDEVRULESDIR)/70-bg95.rules
	$(INSTALL) -m 0644 $(GENDIR)/man/bg95ctl.1 $(DESTDIR)$(MANDIR)/man1/bg95ctl.1
	$(INSTALL) -m 0644 $(GENDIR)/man/bg95d.8 $(DESTDIR)$(MANDIR)/man8/bg95d.8
	$(INSTALL) -m 0644 $(GENDIR)/completions/bg95ctl.bash $(DESTDIR)$(BASHCOMPDIR)/bg95ctl
	$(INSTALL) -m 0644 $(GENDIR)/completions/_bg95ctl $(DESTDIR)$(ZSHCOMPDIR)/_bg95ctl
	$(INSTALL) -m 0644 $(GENDIR)/completions/bg95ctl.fish $(DESTDIR)$(FISHCOMPDIR)/bg95ctl.fish
	$(INSTALL) -m 0644 README.md docs/control-api.md $(DESTDIR)$(DOCDIR)/
	if [ -f config/bg95d.conf.example ]; then \
		$(INSTALL) -m 0644 config/bg95d.conf.example $(DESTDIR)$(DOCDIR)/bg95d.conf.example; fi
	@echo "installed; next: cp $(DOCDIR)/bg95d.conf.example /etc/bg95d.conf (optional)," \
		"systemctl daemon-reload, udevadm control --reload, systemctl enable --now bg95d"

uninstall:
	rm -f $(DESTDIR)$(INSTALL_BINDIR)/bg95d $(DESTDIR)$(INSTALL_BINDIR)/bg95ctl \
		$(DESTDIR)$(UNITDIR)/bg95d.service $(DESTDIR)$(UDEVRULESDIR)/70-bg95.rules \
		$(DESTDIR)$(MANDIR)/man1/bg95ctl.1 $(DESTDIR)$(MANDIR)/man8/bg95d.8 \
		$(DESTDIR)$(BASHCOMPDIR)/bg95ctl $(DESTDIR)$(ZSHCOMPDIR)/_bg95ctl $(DESTDIR)$(FISHCOMPDIR)/bg95ctl.fish \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/control-api.md $(DESTDIR)$(DOCDIR)/bg95d.conf.example
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
