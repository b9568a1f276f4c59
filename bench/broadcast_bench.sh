#!/bin/sh
# broadcast_bench.sh: the broadcast benchmark behind `make bench` (issue 6).
#
#   sh bench/broadcast_bench.sh BIN_DIR
#
# A synthetic registry (BIN_DIR/gen_registry: BENCH_HOUSEHOLDS households,
# default 1,000,000, two phones each) is imported into a fresh database;
# the gateway starts on loopback with the file provider at
# BENCH_BC_RATE (500) messages/s, quiet hours off (so the run does not
# depend on the hour) and database.durability "normal".  Then one
# broadcast to every household goes in through POST /api/v1/broadcasts
# and the script measures:
#   - the time to the API's answer (its `recipients`: the distinct
#     numbers, counted with a hash set of 64-bit numbers): target <= 2 s;
#   - the time from the request to every recipient resolved (the
#     broadcaster thread writes broadcast_recipients, one row per number,
#     in batches) and the first messages queued, and the gateway's peak
#     RSS meanwhile: targets <= 10 s and <= 128 MiB;
#   - the delivered rate at the provider over BENCH_BC_SECONDS (60)
#     against the configured rate: target within 2 %.
# BENCH_BC_AUDIENCE (a JSON object, e.g. '{"area":"51"}') narrows the
# audience as an office's token would.
# Missing a target is reported, not failed.  Exit 64 usage, 69 a tool
# missing, 1 when the run could not happen.  Every process is stopped by
# PID; everything lives in one temporary directory (about 1.5 GB for
# the default size).

set -u

TARGET_ANSWER_S=2
TARGET_RESOLVE_S=10
TARGET_RSS_MIB=128
TARGET_RATE_PCT=2

die() {
	code=$1
	shift
	printf 'broadcast_bench: %s\n' "$*" >&2
	exit "$code"
}

[ $# -eq 1 ] || die 64 "usage: sh bench/broadcast_bench.sh BIN_DIR"
BIN_DIR=$(cd "$1" 2>/dev/null && pwd) || die 64 "no directory $1"
ROOT=$(cd "$(dirname "$0")/.." && pwd) || die 1 "cannot find the checkout"
for f in gen_registry loadgen fupin-gateway fupinctl; do
	[ -x "$BIN_DIR/$f" ] || die 69 "$BIN_DIR/$f not found: run make first"
done
for t in curl sqlite3 sha256sum awk; do
	command -v "$t" >/dev/null 2>&1 || die 69 "$t is missing (make deps)"
done
HOUSEHOLDS=${BENCH_HOUSEHOLDS:-1000000}
RATE=${BENCH_BC_RATE:-500}
SECONDS_RUN=${BENCH_BC_SECONDS:-60}
for v in "$HOUSEHOLDS" "$RATE" "$SECONDS_RUN"; do
	case $v in '' | *[!0-9]*) die 64 "BENCH_* must be numbers" ;; esac
done
AUDIENCE=${BENCH_BC_AUDIENCE:-'{}'}
case $AUDIENCE in
'{'*'}') ;;
*) die 64 "BENCH_BC_AUDIENCE must be a JSON object" ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-bcbench.XXXXXX") ||
	die 1 "cannot create a temporary directory"
GW=
cleanup() {
	if [ -n "$GW" ]; then
		kill "$GW" 2>/dev/null
		wait "$GW" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
q() { sqlite3 -cmd '.timeout 5000' "$TMP/fupin.db" "$1"; }

PORT=$("$BIN_DIR/loadgen" --free-port) || die 1 "no free port"
TOKEN=bench-broadcast-token
SHA=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
cat >"$TMP/gw.conf" <<CONF
database = { path = "$TMP/fupin.db"; durability = "normal"; id_key_file = "$TMP/id.key"; };
http = { listen = "127.0.0.1:$PORT"; };
providers = ( { name = "local"; type = "file"; path = "$TMP/outbox.jsonl";
                rate = $RATE; } );
schedule = { quiet_hours = ""; max_notices_per_day = 0; };
api = { tokens = ( { name = "bench"; token_sha256 = "$SHA"; role = "admin"; } ); };
templates = { dir = "$ROOT/templates"; };
CONF

printf 'broadcast: generating and importing %s households...\n' "$HOUSEHOLDS"
"$BIN_DIR/gen_registry" "$TMP/data" "$HOUSEHOLDS" >/dev/null ||
	die 1 "gen_registry failed"
"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" migrate >/dev/null || die 1 "migrate"
for k in cadres households members; do
	"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" import "$k" "$TMP/data/$k.csv" \
		>/dev/null 2>&1 || die 1 "import $k failed"
done
rm -rf "$TMP/data"

"$BIN_DIR/fupin-gateway" -c "$TMP/gw.conf" >"$TMP/gw.log" 2>&1 &
GW=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || { tail "$TMP/gw.log" >&2; die 1 "gateway did not start"; }
	sleep 0.1
done

t0=$(now)
answer=$(curl -s -H "Authorization: Bearer $TOKEN" -d \
	'{"template":"general_notice","vars":{"text":"本月补助已发放，请查收"},'"\"audience\":$AUDIENCE}" \
	"http://127.0.0.1:$PORT/api/v1/broadcasts") || die 1 "POST failed"
t_answer=$(now)
case $answer in
*'"id"'*) ;;
*) die 1 "the broadcast was refused: $answer" ;;
esac
recipients=$(printf '%s' "$answer" | sed 's/.*"recipients":\([0-9]*\).*/\1/')
# Resolved: the broadcast's recipient count is final.
while [ "$(q 'SELECT recipients >= 0 FROM broadcasts WHERE id = 1')" != 1 ]; do
	kill -0 "$GW" 2>/dev/null || die 1 "the gateway died"
	sleep 0.05
done
t_resolved=$(now)
rss=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$GW/status")
resolved=$(q 'SELECT recipients FROM broadcasts WHERE id = 1')

# The sender at its rate: delivered messages over SECONDS_RUN.
sleep 2
d0=$(q "SELECT count(*) FROM sms_out WHERE status = 'delivered'")
s0=$(now)
sleep "$SECONDS_RUN"
d1=$(q "SELECT count(*) FROM sms_out WHERE status = 'delivered'")
s1=$(now)
rss_end=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$GW/status")

awk -v t0="$t0" -v ta="$t_answer" -v tr="$t_resolved" -v n="$recipients" \
    -v res="$resolved" -v rss="$rss" -v rss2="$rss_end" -v d0="$d0" \
    -v d1="$d1" -v s0="$s0" -v s1="$s1" -v rate="$RATE" \
    -v tans="$TARGET_ANSWER_S" -v tres="$TARGET_RESOLVE_S" \
    -v trss="$TARGET_RSS_MIB" \
    -v tpct="$TARGET_RATE_PCT" 'BEGIN {
	resolve = tr - t0
	got = (d1 - d0) / (s1 - s0)
	pct = (got - rate) * 100 / rate
	printf "\n%-40s %14s %14s %s\n", "figure", "measured", "target", "result"
	printf "%-40s %14d\n", "recipients (API answer)", n
	printf "%-40s %14d %14s %s\n", "recipients resolved", res, "= answer",
	    res == n ? "OK" : "DIFF"
	printf "%-40s %14.2f %14s %s\n", "POST answered (s)", ta - t0,
	    "<= " tans, ta - t0 <= tans ? "OK" : "ABOVE"
	printf "%-40s %14.2f %14s %s\n", "resolved and queueing (s)", resolve,
	    "<= " tres, resolve <= tres ? "OK" : "ABOVE"
	printf "%-40s %14.0f\n", "recipients resolved per second", res / resolve
	printf "%-40s %14.1f %14s %s\n", "gateway peak RSS, resolving (MiB)", rss,
	    "<= " trss, rss <= trss ? "OK" : "ABOVE"
	printf "%-40s %14.1f %14s %s\n", "gateway peak RSS, sending (MiB)", rss2,
	    "<= " trss, rss2 <= trss ? "OK" : "ABOVE"
	printf "%-40s %14.1f %14s %s\n", "delivered/s over the window", got,
	    rate " +/- " tpct "%", (pct <= tpct && pct >= -tpct) ? "OK" : "OFF"
	printf "%-40s %+13.2f%%\n", "against the configured rate", pct
}'
