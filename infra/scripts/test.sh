#!/usr/bin/env bash
# Runs every module's tests against one dependency stack: go vet, then
# go test -race with the integration tag (unit, integration and end-to-end).
# Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
MODULES=${MODULES:-common auth tickets orders expiration payments notifications client infra/devstack infra/manifests}
# make soak runs the same way with TEST_TAGS=integration,soak, without -race.
TEST_TAGS=${TEST_TAGS:-integration}
TEST_RACE=${TEST_RACE--race}
TEST_TIMEOUT=${TEST_TIMEOUT:-15m}

# Prerequisites first: a newcomer learns what is missing in the first
# seconds, not after minutes of tests.
missing=()
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null &&
	! command -v google-chrome >/dev/null && [ ! -x /usr/lib/chromium/chromium ]; then
	missing+=(chromium)
fi
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then
	missing+=(redis-server)
fi
if ! command -v shellcheck >/dev/null; then
	missing+=(shellcheck)
fi
if ((${#missing[@]})); then
	echo "make test needs: ${missing[*]} (the browser test, the real Redis, the workflows' shell checks)."
	echo "Install them with:"
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	echo "(or set CHROMIUM_PATH to a Chromium binary, REDIS_URL to a running Redis)"
	exit 1
fi

go build -o bin/devstack ./infra/devstack/cmd/devstack || exit 1

work=$(mktemp -d)
env_file=$work/stack.env
./bin/devstack deps -data "$work/data" -env-file "$env_file" >"$work/devstack.log" 2>&1 &
stack=$!
cleanup() {
	kill -TERM "$stack" 2>/dev/null && wait "$stack"
	rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 600); do
	[ -s "$env_file" ] && break
	kill -0 "$stack" 2>/dev/null || { echo "dependency stack failed to start:"; cat "$work/devstack.log"; exit 1; }
	sleep 0.1
done
[ -s "$env_file" ] || { echo "dependency stack not ready after 60s:"; cat "$work/devstack.log"; exit 1; }
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
# NATS Streaming is left out: each test binary embeds its own server
# (common/testenv), so one package's unacked events never reach another
# package's durable queue groups.
unset NATS_URL NATS_CLUSTER_ID
echo "dependency stack up: $(cut -d= -f1 "$env_file" | tr '\n' ' ')"

failed=()
# shellcheck disable=SC2086 # MODULES is a list
unformatted=$(gofmt -l $MODULES)
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"
	echo "$unformatted"
	failed+=(gofmt)
fi
for m in $MODULES; do
	echo "=== $m"
	# shellcheck disable=SC2086 # TEST_RACE is one flag or none
	if ! (cd "$m" && go vet -tags="$TEST_TAGS" ./... && go test $TEST_RACE -tags="$TEST_TAGS" -count=1 -timeout "$TEST_TIMEOUT" ./...); then
		failed+=("$m")
	fi
done
# The whole app again on JetStream (BUS=jetstream): the end-to-end and
# fault tests start their own brokers, of the transport BUS names.
if [[ " $MODULES " == *" infra/devstack "* ]]; then
	echo "=== infra/devstack on JetStream (BUS=jetstream): e2e, faults"
	# shellcheck disable=SC2086 # TEST_RACE is one flag or none
	if ! (cd infra/devstack && BUS=jetstream go test $TEST_RACE -tags="$TEST_TAGS" -count=1 -timeout "$TEST_TIMEOUT" ./e2e/ ./faults/); then
		failed+=("infra/devstack (jetstream)")
	fi
fi
# Known vulnerabilities that the code calls (offline database; VULNCHECK=0 skips).
if [ "${VULNCHECK:-1}" = 1 ]; then
	echo "=== govulncheck"
	MODULES="$MODULES" infra/scripts/vulncheck.sh || failed+=(govulncheck)
fi
if ((${#failed[@]})); then
	echo "FAILED: ${failed[*]}"
	echo "--- dependency stack log (tail)"
	tail -n 50 "$work/devstack.log"
	exit 1
fi
echo "all modules passed"
