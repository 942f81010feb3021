# GitTix — run `make help` for the targets.
MODULES := common auth tickets orders expiration payments notifications client infra/devstack infra/manifests
export GOFLAGS ?= -buildvcs=false

.PHONY: help dev deps test lint fmt vet bench soak fuzz tidy
help:
	@echo "make dev    the whole app at http://localhost:8080 (DEV_ADDR, DEV_DATA change it)"
	@echo "make deps   only the backing servers (MongoDB-compatible, NATS Streaming, Redis, stripe-mock)"
	@echo "make test   vet + race-enabled unit, integration and end-to-end tests of every module"
	@echo "make lint   gofmt + go vet"
	@echo "make bench  load benchmarks; writes docs/benchmarks.md"
	@echo "make fuzz   every fuzz target in turn, FUZZTIME each (default 30s); FUZZ=regexp picks targets"
	@echo "make soak   the long variants (build tag soak) of the load, storm and fault tests, without -race"

bin/devstack: FORCE
	@go build -o bin/devstack ./infra/devstack/cmd/devstack

dev: bin/devstack
	./bin/devstack dev

deps: bin/devstack
	./bin/devstack deps -env-file .devstack.env

test:
	@MODULES="$(MODULES)" infra/scripts/test.sh

# CGO off, as the Dockerfiles build the services: the footprint part builds
# them again from the same build cache. BENCH_FLAGS: see bin/loadgen -h.
bench:
	@CGO_ENABLED=0 go build -o bin/loadgen ./infra/devstack/cmd/loadgen && ./bin/loadgen $(BENCH_FLAGS)

fuzz:
	@MODULES="$(MODULES)" infra/scripts/fuzz.sh

# The soak-tagged sizes live in infra/devstack; SOAK_MODULES widens the run.
SOAK_MODULES ?= infra/devstack
soak:
	@MODULES="$(SOAK_MODULES)" TEST_TAGS=integration,soak TEST_RACE= TEST_TIMEOUT=90m infra/scripts/test.sh

lint: fmt vet

fmt:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do (cd $$m && go vet -tags=integration ./...) || exit 1; done

tidy:
	@for m in $(MODULES); do (cd $$m && go mod tidy) || exit 1; done

FORCE:
