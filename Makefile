# GitTix — run `make help` for the targets.
MODULES := common auth tickets orders expiration payments client infra/devstack infra/manifests
export GOFLAGS ?= -buildvcs=false

.PHONY: help dev deps test lint fmt vet bench soak fuzz tidy
help:
	@echo "make dev    the whole app at http://localhost:8080 (DEV_ADDR, DEV_DATA change it)"
	@echo "make deps   only the backing servers (MongoDB-compatible, NATS Streaming, Redis, stripe-mock)"
	@echo "make test   vet + race-enabled unit, integration and end-to-end tests of every module"
	@echo "make lint   gofmt + go vet"
	@echo "make bench  load benchmarks; writes docs/benchmarks.md"
	@echo "make fuzz   every fuzz target in turn, FUZZTIME each (default 30s); FUZZ=regexp picks targets"

bin/devstack: FORCE
	@go build -o bin/devstack ./infra/devstack/cmd/devstack

dev: bin/devstack
	./bin/devstack dev

deps: bin/devstack
	./bin/devstack deps -env-file .devstack.env

test:
	@MODULES="$(MODULES)" infra/scripts/test.sh

fuzz:
	@MODULES="$(MODULES)" infra/scripts/fuzz.sh

lint: fmt vet

fmt:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do (cd $$m && go vet -tags=integration ./...) || exit 1; done

tidy:
	@for m in $(MODULES); do (cd $$m && go mod tidy) || exit 1; done

FORCE:
