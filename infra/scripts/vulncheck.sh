#!/usr/bin/env bash
# Runs govulncheck over every module, offline. The vulnerability database is
# built from the golang.org/x/vulndb module pinned in infra/tools/go.mod (its
# data/osv, committed to a throwaway git repo and converted by its gendb),
# and cached under .cache/vulndb/<version>/ — git-ignored; delete it, or bump
# the pin (cd infra/tools && GOWORK=off go get golang.org/x/vulndb@latest),
# to refresh. Each module is checked as it is built for deployment
# (GOWORK=off), against the go on PATH for the standard library.
#
# Exits non-zero only when a module calls a vulnerable function that is not
# accepted, with its reason, in infra/scripts/vulncheck-accepted.txt.
# Vulnerabilities in code that is imported or required but not called are
# counted, not failed on (`bin/govulncheck -db file://$PWD/.cache/vulndb/…
# -show verbose ./...` in a module lists them).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
MODULES=${MODULES:-common auth tickets orders expiration payments notifications client infra/devstack infra/manifests}
export GOWORK=off

tools=$root/infra/tools
version=$(cd "$tools" && go list -m -f '{{.Version}}' golang.org/x/vulndb)
db=$root/.cache/vulndb/$version
mkdir -p "$root/bin"
(cd "$tools" && go build -o "$root/bin/govulncheck" golang.org/x/vuln/cmd/govulncheck &&
	go build -o "$root/bin/vulnreport" ./cmd/vulnreport)

if [ ! -f "$db/index/db.json" ]; then
	echo "building the vulnerability database from golang.org/x/vulndb $version"
	(cd "$tools" && go mod download golang.org/x/vulndb)
	src=$(cd "$tools" && go list -m -f '{{.Dir}}' golang.org/x/vulndb)
	mkdir -p "$root/.cache/vulndb"
	repo=$(mktemp -d)
	out=$(mktemp -d "$root/.cache/vulndb/.build.XXXXXX")
	trap 'rm -rf "$repo" "$out"' EXIT
	mkdir -p "$repo/data"
	cp -R "$src/data/osv" "$repo/data/osv"
	chmod -R u+w "$repo"
	git -C "$repo" init -q
	git -C "$repo" add data
	git -C "$repo" -c user.name=vulncheck -c user.email=vulncheck@localhost commit -q -m "vulndb $version"
	(cd "$tools" && go tool gendb -repo "$repo" -out "$out/db")
	[ -d "$db" ] || mv "$out/db" "$db" # unless a concurrent run got there first
fi

failed=()
for m in $MODULES; do
	if ! (cd "$m" && "$root/bin/govulncheck" -format json -db "file://$db" ./... |
		"$root/bin/vulnreport" -label "govulncheck $m" -accept "$root/infra/scripts/vulncheck-accepted.txt"); then
		failed+=("$m")
	fi
done
if ((${#failed[@]})); then
	echo "govulncheck: called vulnerabilities in: ${failed[*]}"
	exit 1
fi
