#!/bin/sh
# console_bench.sh: the console API benchmark behind `make bench` (issue 15).
#
#   sh bench/console_bench.sh BIN_DIR
#
# A synthetic registry (BIN_DIR/gen_registry: BENCH_HOUSEHOLDS households,
# default 1,000,000, two phones each) is imported into a fresh database,
# with a week of traffic written beside it as the gateway writes it:
# BENCH_CONSOLE_MESSAGES (1,000,000) outbound messages to members over
# the last 7 days with their history (queued, sending, sent, delivered;
# one in fifty failed, with a provider's reason) and a tenth as many
# messages in.  The gateway starts on loopback (file provider at
# BENCH_CONSOLE_RATE, 500/s; quiet hours off; durability "normal") and
# the script waits until its rollup thread has counted that week (the
# time it took is printed: the rollup reads behind the writers, at most
# a fifth of a core while it is behind).  Then 150 task alerts go out
# (one per cadre), and, unless BENCH_CONSOLE_BROADCAST=0, a broadcast to
# every household (2,000,000 numbers), so that the routes are measured
# while it is sending.
#
# Each console route is then driven by BIN_DIR/loadgen with
# BENCH_CONSOLE_CLIENTS (20) keep-alive connections in a closed loop for
# BENCH_CONSOLE_SECONDS (10): GET /api/v1/overview (an admin, an office
# of one prefecture, and every village and town in turn: more areas than
# the gateway keeps answers for, so each is computed afresh), /areas (the
# whole tree, as the console asks it, and an office's), /broadcasts,
# /tasks, /households/{id} (5,000 random households), /messages?msisdn=
# (5,000 random members' numbers), /templates.  Printed per route: requests/s, p50 and p99 in ms, answers
# other than 200, and the target p99 <= 100 ms.  The machine is shared:
# the figures move with what else runs (the load average is printed).
# Missing a target is reported, not failed.  Exit 64 usage, 69 a tool
# missing, 1 when the run could not happen.  Every process is stopped by
# PID; everything lives in one temporary directory (about 2 GB).

set -u

TARGET_P99_MS=100

die() {
	code=$1
	shift
	printf 'console_bench: %s\n' "$*" >&2
	exit "$code"
}

[ $# -eq 1 ] || die 64 "usage: sh bench/console_bench.sh BIN_DIR"
BIN_DIR=$(cd "$1" 2>/dev/null && pwd) || die 64 "no directory $1"
ROOT=$(cd "$(dirname "$0")/.." && pwd) || die 1 "cannot find the checkout"
for f in gen_registry loadgen fupin-gateway fupinctl; do
	[ -x "$BIN_DIR/$f" ] || die 69 "$BIN_DIR/$f not found: run make first"
done
for t in curl sqlite3 sha256sum awk; do
	command -v "$t" >/dev/null 2>&1 || die 69 "$t is missing (make deps)"
done
HOUSEHOLDS=${BENCH_HOUSEHOLDS:-1000000}
MESSAGES=${BENCH_CONSOLE_MESSAGES:-1000000}
CLIENTS=${BENCH_CONSOLE_CLIENTS:-20}
SECONDS_RUN=${BENCH_CONSOLE_SECONDS:-10}
RATE=${BENCH_CONSOLE_RATE:-500}
BROADCAST=${BENCH_CONSOLE_BROADCAST:-1}
for v in "$HOUSEHOLDS" "$MESSAGES" "$CLIENTS" "$SECONDS_RUN" "$RATE" \
	"$BROADCAST"; do
	case $v in '' | *[!0-9]*) die 64 "BENCH_* must be numbers" ;; esac
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-consolebench.XXXXXX") ||
	die 1 "cannot create a temporary directory"
GW=
recipients=0
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
q() { sqlite3 -cmd '.timeout 10000' "$TMP/fupin.db" "$1"; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

PORT=$("$BIN_DIR/loadgen" --free-port) || die 1 "no free port"
URL=http://127.0.0.1:$PORT
ADMIN=bench-console-admin
OFFICE=bench-console-office
cat >"$TMP/gw.conf" <<CONF
database = { path = "$TMP/fupin.db"; durability = "normal"; id_key_file = "$TMP/id.key"; };
http = { listen = "127.0.0.1:$PORT"; };
providers = ( { name = "local"; type = "file"; path = "$TMP/outbox.jsonl";
                rate = $RATE; } );
schedule = { quiet_hours = ""; max_notices_per_day = 0; };
api = { tokens = (
  { name = "bench"; token_sha256 = "$(sha "$ADMIN")"; role = "admin"; },
  { name = "liangshan"; token_sha256 = "$(sha "$OFFICE")"; role = "office"; area = "5134"; } ); };
templates = { dir = "$ROOT/templates"; };
CONF

printf 'console: generating and importing %s households...\n' "$HOUSEHOLDS"
t0=$(now)
"$BIN_DIR/gen_registry" "$TMP/data" "$HOUSEHOLDS" >/dev/null ||
	die 1 "gen_registry failed"
"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" migrate >/dev/null || die 1 "migrate"
for k in cadres households members; do
	"$BIN_DIR/fupinctl" -c "$TMP/gw.conf" import "$k" "$TMP/data/$k.csv" \
		>/dev/null 2>&1 || die 1 "import $k failed"
done
rm -rf "$TMP/data"
t1=$(now)

# A week of traffic, as the outbox and the inbound webhooks write it:
# each message's history rows one after the other, ids in time order.
printf 'console: writing a week of traffic (%s messages out, %s in)...\n' \
	"$MESSAGES" "$((MESSAGES / 10))"
q "BEGIN;
CREATE TEMP TABLE p AS SELECT CAST(strftime('%s', 'now') AS INTEGER) - 7 * 86400 + 60 AS t0, $MESSAGES AS n;
INSERT INTO sms_out(id, msisdn, text, kind, encoding, segments, provider,
  status, attempts, next_attempt_at, expires_at, last_error, created_at,
  updated_at)
SELECT k, phone, '本月补助已发放，请查收。回TD退订', 'broadcast', 'ucs2', 1,
  'local', CASE WHEN k % 50 = 0 THEN 'failed' ELSE 'delivered' END, 1, t,
  t + 86400, CASE WHEN k % 100 = 0 THEN 'http 400: invalid number'
  WHEN k % 50 = 0 THEN 'timeout: no answer; gave up after 8 attempts' END,
  t, t
FROM (SELECT row_number() OVER () AS k, phone, (SELECT t0 FROM p) +
  (row_number() OVER ()) * (7 * 86400 - 600) / (SELECT n FROM p) AS t
  FROM members WHERE phone IS NOT NULL LIMIT (SELECT n FROM p));
INSERT INTO sms_out_history(message_id, status, at, detail)
SELECT id, CASE WHEN o = 4 THEN status ELSE s END, created_at + d,
  CASE WHEN o = 4 AND status = 'failed' THEN last_error END
FROM sms_out, (SELECT 1 AS o, 'queued' AS s, 0 AS d UNION ALL
  SELECT 2, 'sending', 0 UNION ALL SELECT 3, 'sent', 1 UNION ALL
  SELECT 4, '', 2)
WHERE NOT (o = 3 AND status = 'failed')
ORDER BY id, o;
INSERT INTO sms_in(id, route, msisdn, text, received_at, status, command,
  household_id)
SELECT (SELECT n FROM p) + k, 'inbound', phone, 'CX', (SELECT t0 FROM p) + k
  * (7 * 86400 - 600) / ((SELECT n FROM p) / 10 + 1), 'processed', 'CX',
  household_id
FROM (SELECT row_number() OVER () AS k, phone, household_id FROM members
  WHERE phone IS NOT NULL AND rowid % 20 = 3 LIMIT (SELECT n FROM p) / 10);
COMMIT;" >/dev/null || die 1 "writing the traffic failed"
t2=$(now)
hist=$(q "SELECT max(id) FROM sms_out_history")
mos=$(q "SELECT ifnull(max(id), 0) FROM sms_in")

"$BIN_DIR/fupin-gateway" -c "$TMP/gw.conf" >"$TMP/gw.log" 2>&1 &
GW=$!
i=0
until curl -s -o /dev/null "$URL/healthz"; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || { tail "$TMP/gw.log" >&2; die 1 "gateway did not start"; }
	sleep 0.1
done
t3=$(now)
printf 'console: waiting for the rollup to count %s history rows...\n' "$hist"
i=0
while :; do
	done_out=$(q "SELECT last_id FROM console_rollup WHERE source = 'sms_out_history'")
	done_in=$(q "SELECT last_id FROM console_rollup WHERE source = 'sms_in'")
	[ "$done_out" -ge "$hist" ] && [ "$done_in" -ge "$mos" ] && break
	i=$((i + 1))
	[ "$i" -lt 1800 ] || die 1 "the rollup did not catch up in 15 minutes"
	sleep 0.5
done
t4=$(now)
cpu_rollup=$(awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$GW/stat")

auth="Authorization: Bearer $ADMIN"
curl -s -o /dev/null -H "$auth" -d '{"area":"51","text":"请本周内入户核实住房安全"}' \
	"$URL/api/v1/alerts" || die 1 "the alerts failed"
if [ "$BROADCAST" -ne 0 ]; then
	answer=$(curl -s -H "$auth" -d '{"template":"general_notice","vars":{"text":"本月补助已发放，请查收"}}' \
		"$URL/api/v1/broadcasts") || die 1 "POST broadcast failed"
	case $answer in
	*'"id"'*) ;;
	*) die 1 "the broadcast was refused: $answer" ;;
	esac
	bid=$(printf '%s' "$answer" | sed -n 's/.*"id":"\([0-9]*\)".*/\1/p')
	recipients=$(printf '%s' "$answer" | sed -n 's/.*"recipients":\([0-9]*\).*/\1/p')
	# Measured while it sends: once resolved and the first are queued.
	i=0
	until [ "$(q "SELECT count(*) FROM sms_out WHERE broadcast_id = $bid")" -gt 0 ]; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || die 1 "the broadcast did not start sending"
		sleep 0.1
	done
fi

q "SELECT substr(household_id, 3) FROM households ORDER BY random() LIMIT 5000" \
	>"$TMP/households.txt"
q "SELECT substr(phone, 4) FROM members WHERE phone IS NOT NULL ORDER BY random() LIMIT 5000" \
	>"$TMP/phones.txt"
# Every village and town in turn: more areas than answers are kept for
# a second (api_cache.h), so nearly every overview is computed afresh.
q "SELECT a FROM (SELECT area_code AS a FROM area_households UNION
	SELECT substr(area_code, 1, 9) FROM area_households) ORDER BY random()" \
	>"$TMP/areas.txt"

printf '\nconsole: %s households, %s messages out and %s in over 7 days, %s clients, %s s a route%s\n' \
	"$HOUSEHOLDS" "$MESSAGES" "$((MESSAGES / 10))" "$CLIENTS" "$SECONDS_RUN" \
	"$([ "$BROADCAST" -ne 0 ] && echo ", a broadcast to $recipients numbers sending")"
printf '%-34s %10s %9s %9s %8s %s\n' route "req/s" "p50 ms" "p99 ms" "not 200" "p99 <= ${TARGET_P99_MS} ms"
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
worst=0
run() {
	name=$1
	token=$2
	shift 2
	"$BIN_DIR/loadgen" -c "$CLIENTS" -d "$SECONDS_RUN" -q \
		-H "Authorization: Bearer $token" "$@" >"$TMP/lg.out" 2>&1 ||
		{ cat "$TMP/lg.out" >&2; die 1 "loadgen failed on $name"; }
	line=$(grep '^loadgen ' "$TMP/lg.out" | tail -n 1)
	rps=$(kv rate "$line")
	p50=$(kv p50_ms "$line")
	p99=$(kv p99_ms "$line")
	bad=$(( $(kv requests "$line") - $(printf '%s\n' "$(kv codes "$line")" |
		tr ',' '\n' | sed -n 's/^200://p' | head -n 1) ))
	awk -v n="$name" -v r="$rps" -v a="$p50" -v b="$p99" -v x="$bad" \
		-v t="$TARGET_P99_MS" 'BEGIN { printf "%-34s %10.0f %9.2f %9.2f %8d %s\n",
		n, r, a, b, x, (b <= t && x == 0) ? "OK" : "ABOVE" }'
	worst=$(awk -v w="$worst" -v b="$p99" 'BEGIN { print (b > w) ? b : w }')
}
run "overview (admin)" "$ADMIN" "$URL/api/v1/overview"
run "overview (office 5134)" "$OFFICE" "$URL/api/v1/overview"
run "overview (each village, uncached)" "$ADMIN" --values "$TMP/areas.txt" \
	"$URL/api/v1/overview?area=%n"
run "areas (admin, the whole tree)" "$ADMIN" "$URL/api/v1/areas?limit=1000"
run "areas (office 5134)" "$OFFICE" "$URL/api/v1/areas"
run "broadcasts" "$ADMIN" "$URL/api/v1/broadcasts"
run "tasks" "$ADMIN" "$URL/api/v1/tasks"
run "households/{id}" "$ADMIN" --values "$TMP/households.txt" \
	"$URL/api/v1/households/HH%n"
run "messages?msisdn=" "$ADMIN" --values "$TMP/phones.txt" \
	"$URL/api/v1/messages?msisdn=%n"
run "templates (every text)" "$ADMIN" "$URL/api/v1/templates"
run "feedback (office 5134)" "$OFFICE" "$URL/api/v1/feedback?limit=50"
run "cadres (office 5134)" "$OFFICE" "$URL/api/v1/cadres?limit=50"
run "console/settings" "$OFFICE" "$URL/api/v1/console/settings"
run "users (admin)" "$ADMIN" "$URL/api/v1/users"

rss=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$GW/status")
sent=$( [ "$BROADCAST" -ne 0 ] && q "SELECT count(*) FROM sms_out WHERE broadcast_id = $bid AND status IN ('sent', 'delivered')" || echo 0)
printf '\n%-34s %s\n' "worst p99 (ms)" "$worst"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%-34s %.1f\n", "import (s)", b - a }'
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%-34s %.1f\n", "week of traffic written (s)", b - a }'
awk -v a="$t3" -v b="$t4" -v h="$hist" -v c="$cpu_rollup" 'BEGIN { printf "%-34s %.1f (%d history rows, %.0f/s; gateway CPU %.1f s)\n",
	"rollup caught up (s)", b - a, h, h / (b - a), c }'
printf '%-34s %s\n' "broadcast messages sent meanwhile" "$sent"
printf '%-34s %s\n' "gateway peak RSS (MiB)" "$rss"
printf '%-34s %s\n' "load average (shared machine)" "$(cut -d' ' -f1-3 /proc/loadavg)"
