#!/bin/sh
# import_bench.sh: the registry import benchmark behind `make bench`.
#
#   sh bench/import_bench.sh BIN_DIR
#
# Generates a synthetic registry with BIN_DIR/gen_registry (1,000,000
# households and 3,000,000 members, or BENCH_HOUSEHOLDS households and three
# times as many members) into a temporary directory, migrates a fresh
# database there, and times `fupinctl import` of the cadres, the households
# and the members with GNU time (wall seconds and peak RSS).  It prints a
# table, the totals against the targets (the whole import within 60 s, peak
# RSS within 100 MiB), then times the households import a second time: an
# idempotent upsert, where every row should come out "updated".
#
# Being over a target is reported, not failed: this is a benchmark, not a
# test.  The script exits non-zero only when it cannot run (64 usage, 69 a
# tool is missing) or when a command fails (1).  Everything it writes goes
# to one temporary directory under $TMPDIR (default /tmp), removed at exit;
# the database for the default size takes about 1-2 GB there.
#
# Needs: /usr/bin/time from the Debian package `time` (not the shell
# keyword), awk, sed, mktemp.

set -u

TARGET_SECONDS=60
TARGET_RSS_MIB=100

die() {
	code=$1
	shift
	printf 'import_bench: %s\n' "$*" >&2
	exit "$code"
}

[ $# -eq 1 ] || die 64 "usage: sh bench/import_bench.sh BIN_DIR"
BIN_DIR=$1
FUPINCTL=$BIN_DIR/fupinctl
GEN=$BIN_DIR/gen_registry
TIME=/usr/bin/time
ROOT=$(cd "$(dirname "$0")/.." && pwd) || die 1 "cannot find the checkout"

HOUSEHOLDS=${BENCH_HOUSEHOLDS:-1000000}
case $HOUSEHOLDS in
'' | *[!0-9]*) die 64 "BENCH_HOUSEHOLDS must be a positive number, not '$HOUSEHOLDS'" ;;
esac
[ "$HOUSEHOLDS" -gt 0 ] || die 64 "BENCH_HOUSEHOLDS must be at least 1"
MEMBERS=$((HOUSEHOLDS * 3))

[ -x "$FUPINCTL" ] || die 69 "$FUPINCTL not found: run make first"
[ -x "$GEN" ] || die 69 "$GEN not found: run make $BIN_DIR/gen_registry"
if ! [ -x "$TIME" ] || ! "$TIME" -f '%e %M' -o /dev/null true 2>/dev/null; then
	die 69 "$TIME (GNU time) is missing: apt-get install time"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-bench.XXXXXX") ||
	die 1 "cannot create a temporary directory"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TABLE=$TMP/table

# The shipped configuration with the database (and the file provider's
# outbox) moved into the temporary directory; a minimal one if the shipped
# file does not have the expected line or the path would confuse sed.
CONF=$TMP/fupin.conf
case $TMP in
*[\|\&\\\"]*) use_shipped=no ;;
*) use_shipped=yes ;;
esac
if [ "$use_shipped" = yes ] && [ -f "$ROOT/config/fupin.conf" ] &&
	grep -q 'path *= *"var/fupin\.db"' "$ROOT/config/fupin.conf"; then
	sed -e "s|\"var/fupin\\.db\"|\"$TMP/fupin.db\"|" \
		-e "s|\"var/outbox\\.jsonl\"|\"$TMP/outbox.jsonl\"|" \
		-e "s|\"var/id\\.key\"|\"$TMP/id.key\"|" \
		"$ROOT/config/fupin.conf" >"$CONF" || die 1 "cannot write $CONF"
	conf_from="config/fupin.conf, database moved"
else
	printf 'database = { path = "%s/fupin.db"; id_key_file = "%s/id.key"; };\n' "$TMP" "$TMP" >"$CONF" ||
		die 1 "cannot write $CONF"
	conf_from="minimal"
fi

printf 'import benchmark: %s households, %s members\n' "$HOUSEHOLDS" "$MEMBERS"
printf '  work dir %s (config: %s)\n' "$TMP" "$conf_from"

# ---- generate ---------------------------------------------------------------
if ! "$TIME" -f '%e %M' -o "$TMP/gen.time" "$GEN" "$TMP/data" "$HOUSEHOLDS" \
	>"$TMP/gen.log" 2>&1; then
	cat "$TMP/gen.log" >&2
	die 1 "gen_registry failed"
fi
# shellcheck disable=SC2046 # two numbers, split on purpose
set -- $(tail -n 1 "$TMP/gen.time")
gen_bytes=$(wc -c "$TMP/data/households.csv" "$TMP/data/members.csv" |
	awk 'END { print $1 + 0 }')
awk -v s="$1" -v n="$((HOUSEHOLDS + MEMBERS))" -v b="$gen_bytes" 'BEGIN {
	printf "  generated %d rows, %.1f MiB, in %.2f s", n, b / 1048576, s
	if (s > 0) printf " (%.0f rows/s)", n / s
	printf "\n"
}'

# ---- migrate ----------------------------------------------------------------
if ! "$FUPINCTL" -c "$CONF" migrate >"$TMP/migrate.log" 2>&1; then
	cat "$TMP/migrate.log" >&2
	die 1 "fupinctl migrate failed"
fi

# run_import PHASE KIND FILE EXPECTED_ROWS: time one import, print its
# summary line, append "PHASE ROWS SECONDS KIB" to the table.  Sets
# last_summary.  Exits when the import fails.
run_import() {
	phase=$1
	kind=$2
	file=$3
	expected=$4
	log=$TMP/$phase.log
	printf '==> fupinctl import %s (%s rows)\n' "$kind" "$expected"
	"$TIME" -f '%e %M' -o "$TMP/$phase.time" \
		"$FUPINCTL" -c "$CONF" import "$kind" "$file" >"$log.out" 2>"$log"
	rc=$?
	last_summary=$(cat "$log" "$log.out" | grep 'read=' | tail -n 1)
	if [ -n "$last_summary" ]; then
		printf '    %s\n' "$last_summary"
	fi
	if [ "$rc" -ne 0 ]; then
		printf 'import_bench: fupinctl import %s exited %s; its last lines:\n' \
			"$kind" "$rc" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	rejected=$(printf '%s\n' "$last_summary" |
		sed -n 's/.*rejected=\([0-9][0-9]*\).*/\1/p')
	if [ -n "$rejected" ] && [ "$rejected" -gt 0 ]; then
		printf '    WARNING: %s rows rejected (the generated data should all be valid); first reasons:\n' \
			"$rejected"
		grep -v 'read=' "$log" | head -n 5 | sed 's/^/      /'
	fi
	rows=$(printf '%s\n' "$last_summary" |
		sed -n 's/.*read=\([0-9][0-9]*\).*/\1/p')
	[ -n "$rows" ] || rows=$expected
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(tail -n 1 "$TMP/$phase.time")
	printf '%s %s %s %s\n' "$phase" "$rows" "$1" "$2" >>"$TABLE"
}

run_import cadres cadres "$TMP/data/cadres.csv" 150
run_import households households "$TMP/data/households.csv" "$HOUSEHOLDS"
run_import members members "$TMP/data/members.csv" "$MEMBERS"
run_import households-again households "$TMP/data/households.csv" "$HOUSEHOLDS"
again_summary=$last_summary

db_bytes=$(wc -c "$TMP"/fupin.db* 2>/dev/null | awk 'END { print $1 + 0 }')

# ---- report -----------------------------------------------------------------
printf '\n'
awk -v ts="$TARGET_SECONDS" -v tr="$TARGET_RSS_MIB" -v db="$db_bytes" '
function rate(n, s) { return s > 0 ? sprintf("%.0f", n / s) : "-" }
function line(p, n, s, mib) {
	printf "%-18s %10d %9.2f %10s %13.1f\n", p, n, s, rate(n, s), mib
}
BEGIN {
	printf "%-18s %10s %9s %10s %13s\n", "phase", "rows", "seconds", \
	    "rows/s", "peak RSS MiB"
}
{
	mib = $4 / 1024
	if ($1 == "households-again") {
		again = $0; an = $2; as = $3; am = mib
		next
	}
	line($1, $2, $3, mib)
	n += $2; s += $3
	if (mib > m) m = mib
}
END {
	printf "%-18s %10d %9.2f %10s %13.1f\n", "total", n, s, rate(n, s), m
	printf "\n"
	printf "target: total seconds / %d s  = %.2f  %s\n", ts, s / ts, \
	    s <= ts ? "OK" : "OVER"
	printf "target: peak RSS / %d MiB   = %.2f  %s\n", tr, m / tr, \
	    m <= tr ? "OK" : "OVER"
	printf "database on disk: %.1f MiB\n", db / 1048576
	if (again != "") {
		printf "\nsecond run (idempotent upsert)\n"
		line("households", an, as, am)
	}
}' "$TABLE"

inserted=$(printf '%s\n' "$again_summary" |
	sed -n 's/.*inserted=\([0-9][0-9]*\).*/\1/p')
updated=$(printf '%s\n' "$again_summary" |
	sed -n 's/.*updated=\([0-9][0-9]*\).*/\1/p')
if [ -n "$updated" ]; then
	if [ "${inserted:-0}" -eq 0 ] && [ "$updated" -eq "$HOUSEHOLDS" ]; then
		printf 'second run: all %s rows updated, none inserted: OK\n' "$updated"
	else
		printf 'second run: inserted=%s updated=%s, expected 0 and %s: CHECK\n' \
			"${inserted:-?}" "$updated" "$HOUSEHOLDS"
	fi
fi
exit 0
