#!/usr/bin/env bash
# Runs every fuzz target (func FuzzXxx in a _test.go file of any module) with
# `go test -fuzz` for FUZZTIME each (default 30s), one after another, and
# prints the executions of each. Plain `go test` (make test) runs only the
# seed corpus: the f.Add seeds and testdata/fuzz/FuzzXxx/ files.
#
#   make fuzz                          every target, 30s each
#   make fuzz FUZZTIME=10m             longer
#   make fuzz FUZZ=Price FUZZTIME=1h   only targets whose "dir.FuzzName" matches
#
# A failing input is saved under testdata/fuzz/FuzzXxx/ next to the target:
# commit it with the fix, and it stays in the seed corpus for good.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
MODULES=${MODULES:-common auth tickets orders expiration payments notifications client infra/devstack infra/manifests}
FUZZTIME=${FUZZTIME:-30s}
FUZZ=${FUZZ:-.}

modroot() { # the directory of the go.mod that holds $1
	local d=$1
	until [ -f "$d/go.mod" ] || [ "$d" = . ]; do d=$(dirname "$d"); done
	echo "$d"
}

# shellcheck disable=SC2086
targets=$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' $MODULES | sed 's/:func /:/' | sort -u)
failed=()
n=0
for t in $targets; do
	file=${t%%:*} name=${t##*:}
	dir=$(dirname "$file")
	grep -Eq -- "$FUZZ" <<<"$dir.$name" || continue
	mod=$(modroot "$dir")
	pkg=./${dir#"$mod"}
	pkg=${pkg/#.\/\//./}
	log=$(mktemp)
	printf '%-70s ' "$dir.$name"
	if (cd "$mod" && go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg") >"$log" 2>&1; then
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1)
		echo "ok   ${execs:-execs: ?}"
	else
		echo "FAIL"
		cat "$log"
		failed+=("$dir.$name")
	fi
	rm -f "$log"
	n=$((n + 1))
done
echo "$n fuzz targets run for $FUZZTIME each"
if ((${#failed[@]})); then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
