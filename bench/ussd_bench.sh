#!/bin/sh
# ussd_bench.sh: the USSD benchmark behind `make bench` (issue 4).
#
#   sh bench/ussd_bench.sh BIN_DIR
#
# Starts the gateway on a free loopback port with the demo registry and
# database.durability "normal" (the shipped default; a menu step is a
# session update, not an accepted message), then drives POST /ussd with
# BIN_DIR/loadgen: BENCH_USSD_CONNS (50) keep-alive connections in a
# closed loop walking BENCH_USSD_SESSIONS (1000) concurrent sessions
# through an 8-step path of the default menu (dial, 雨露计划, the
# training list, a training, back, back, 返乡创业, what is offered: END),
# each session seeing its inputs in order, for BENCH_USSD_SECONDS (10).
# Every step is a committed session update through the group-commit
# writer; each END writes its ussd.session event.
#
# Prints requests/s, p50/p99 latency, the statuses, and the gateway's peak
# RSS, against the targets: >= 10,000 requests/s, p99 < 10 ms.  Missing a
# target is reported, not failed.  Exit 64 usage, 69 a tool missing, 1
# when the run could not happen.  Every process is stopped by PID.

set -u

TARGET_RPS=10000
TARGET_P99_MS=10

die() {
	code=$1
	shift
	printf 'ussd_bench: %s\n' "$*" >&2
	exit "$code"
}

[ $# -eq 1 ] || die 64 "usage: sh bench/ussd_bench.sh BIN_DIR"
BIN_DIR=$(cd "$1" 2>/dev/null && pwd) || die 64 "no directory $1"
ROOT=$(cd "$(dirname "$0")/.." && pwd) || die 1 "cannot find the checkout"
for f in loadgen fupin-gateway fupinctl; do
	[ -x "$BIN_DIR/$f" ] || die 69 "$BIN_DIR/$f not found: run make first"
done
command -v curl >/dev/null 2>&1 || die 69 "curl is missing (make deps)"

CONNS=${BENCH_USSD_CONNS:-50}
SESSIONS=${BENCH_USSD_SESSIONS:-1000}
SECONDS_RUN=${BENCH_USSD_SECONDS:-10}
for v in "$CONNS" "$SESSIONS" "$SECONDS_RUN"; do
	case $v in '' | *[!0-9]*) die 64 "BENCH_USSD_* must be numbers" ;; esac
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-ussdbench.XXXXXX") ||
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

PORT=$("$BIN_DIR/loadgen" --free-port) || die 1 "no free port"
cat >"$TMP/gw.conf" <<CONF
database = { path = "$TMP/fupin.db"; durability = "normal"; id_key_file = "$TMP/id.key"; };
http = { listen = "127.0.0.1:$PORT"; };
providers = ( { name = "local"; type = "file"; path = "$TMP/outbox.jsonl"; } );
templates = { dir = "$ROOT/templates"; };
CONF
"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" migrate >/dev/null ||
	die 1 "migrate failed"
for k in cadres households members enrollments trainings payments; do
	"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" import "$k" \
		"$ROOT/data/demo/$k.csv" >/dev/null || die 1 "import $k failed"
done
"$BIN_DIR/fupin-gateway" -c "$TMP/gw.conf" >"$TMP/gw.log" 2>&1 &
GW=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { tail "$TMP/gw.log" >&2; die 1 "gateway did not start"; }
	sleep 0.1
done

printf 'USSD: %s connections, %s concurrent sessions, %s s, 8 steps per session\n' \
	"$CONNS" "$SESSIONS" "$SECONDS_RUN"
"$BIN_DIR/loadgen" -c "$CONNS" -d "$SECONDS_RUN" \
	--sessions "$SESSIONS" --steps '|2|2*1|2*1*1|2*1*1*0|2*1*1*0*0|2*1*1*0*0*3|2*1*1*0*0*3*1' \
	-b 'sessionId=b%g-%s&serviceCode=*123%%23&phoneNumber=139%08s&text=%t' \
	"http://127.0.0.1:$PORT/ussd" >"$TMP/lg.out" 2>&1 ||
	{ cat "$TMP/lg.out" >&2; die 1 "loadgen failed"; }
sed 's/^/    /' "$TMP/lg.out" | grep -v '^    loadgen '
line=$(grep '^loadgen ' "$TMP/lg.out" | tail -n 1)
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
rps=$(kv rate "$line")
p50=$(kv p50_ms "$line")
p99=$(kv p99_ms "$line")
rss=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$GW/status")
# Each session that reached END left a ussd.session event (the gateway's
# per-request log lines are limited to 20 a second, so not from the log).
ended=$(sqlite3 "$TMP/fupin.db" "SELECT count(*) FROM event_outbox WHERE
	type = 'ussd.session' AND json_extract(data, '\$.outcome') != 'timeout'" \
	2>/dev/null || echo '?')
sessions_left=$(sqlite3 "$TMP/fupin.db" 'SELECT count(*) FROM ussd_sessions' 2>/dev/null || echo '?')

printf '\n%-28s %12s %12s %s\n' figure measured target result
awk -v r="$rps" -v t="$TARGET_RPS" 'BEGIN { printf "%-28s %12.0f %12s %s\n",
	"requests/s", r, ">= " t, (r >= t) ? "OK" : "BELOW" }'
awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { printf "%-28s %12.2f %12s %s\n",
	"p99 latency (ms)", p, "< " t, (p < t) ? "OK" : "ABOVE" }'
printf '%-28s %12s\n' "p50 latency (ms)" "$p50"
printf '%-28s %12s\n' "gateway peak RSS (MiB)" "$rss"
printf '%-28s %12s\n' "sessions ended (END)" "$ended"
printf '%-28s %12s\n' "sessions open at the end" "$sessions_left"
