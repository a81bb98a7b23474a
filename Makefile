# bg95 — the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build release test unit integration demo bench clean

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

demo: deps
	@./scripts/demo.sh

bench: deps
	@./scripts/bench.sh

clean:
	rm -rf .build
