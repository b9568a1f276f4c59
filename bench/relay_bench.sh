#!/bin/sh
# relay_bench.sh: the MQTT bridge benchmark.
#
#   sh bench/relay_bench.sh [BIN_DIR]
#
# Starts Debian's mosquitto on a loopback port (BENCH_MQTT_PORT, default
# 18874) with its own config in a temporary directory, then measures, all
# at QoS 1 and end to end (a subscriber times first to last arrival):
#
#  1. the raw ceiling: bench/mqtt_pub.c, a minimal Paho asynchronous
#     publisher with a 1,000-message window, BENCH_EVENTS messages (default
#     50,000) of the size of a relayed event; the best of BENCH_RAW_RUNS
#     (default 3) runs;
#  2. the relay: the same number of events written straight into the
#     outbox of a fresh database, relayed by BIN_DIR/fupin-bridge; printed
#     with its ratio to the ceiling (target >= 80 %);
#  3. registry intake: BENCH_REGISTRY one-household messages, then
#     BENCH_BATCHES messages of 100 households, published by mqtt_pub to
#     <root>/registry/households and applied by the same bridge (one
#     transaction per message); upserts/s from the first to the last
#     registry.applied line of its log (target >= 5,000/s).
#
# Being under a target is reported, not failed.  Exits non-zero only when
# it cannot run (64 usage, 69 a tool is missing) or a step fails (1).
# mqtt_pub is built here with cc if BIN_DIR/mqtt_pub is missing or older
# than its source.  Everything goes to one temporary directory, removed at
# exit, and the processes it starts are stopped by PID.
#
# Needs: mosquitto, sqlite3, cc, libpaho-mqtt-dev, awk.

set -u

BIN=${1:-bin}
PORT=${BENCH_MQTT_PORT:-18874}
N_EVENTS=${BENCH_EVENTS:-50000}
N_REGISTRY=${BENCH_REGISTRY:-20000}
N_BATCHES=${BENCH_BATCHES:-200}
TARGET_RATIO=80
TARGET_UPSERTS=5000
HERE=$(dirname "$0")

die() {
	code=$1
	shift
	echo "relay_bench: $*" >&2
	exit "$code"
}

for tool in mosquitto sqlite3 cc awk; do
	command -v "$tool" >/dev/null 2>&1 ||
	    [ -x "/usr/sbin/$tool" ] || die 69 "$tool is missing"
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$BIN/fupin-bridge" ] && [ -x "$BIN/fupinctl" ] ||
    die 69 "$BIN/fupin-bridge and $BIN/fupinctl are needed: run make"

PUB=$BIN/mqtt_pub
if [ ! -x "$PUB" ] || [ "$HERE/mqtt_pub.c" -nt "$PUB" ]; then
	cc -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$PUB" \
	    "$HERE/mqtt_pub.c" -lpaho-mqtt3as -lpthread ||
	    die 1 "cannot build $PUB"
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/fupin-relay-bench.XXXXXX") ||
    die 1 "mktemp failed"
MQ_PID= BR_PID= SUB_PID=
cleanup() {
	for p in $SUB_PID $BR_PID $MQ_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${BENCH_KEEP:-}" ] && echo "kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

URI="tcp://127.0.0.1:$PORT"
cat > "$DIR/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
max_queued_messages 1000000
max_inflight_messages 1000
user root
EOF
"$MOSQUITTO" -c "$DIR/mosquitto.conf" > "$DIR/mosquitto.log" 2>&1 &
MQ_PID=$!
sleep 0.5
kill -0 "$MQ_PID" 2>/dev/null ||
    die 1 "mosquitto did not start on port $PORT: $(tail -n 3 "$DIR/mosquitto.log")"

# Start a subscriber for $2 messages on filter $1; returns once subscribed.
sub_start() {
	: > "$DIR/sub.out"
	"$PUB" -S -u "$URI" -t "$1" -n "$2" > "$DIR/sub.out" 2>&1 &
	SUB_PID=$!
	i=0
	until grep -q ready "$DIR/sub.out"; do
		i=$((i + 1))
		[ $i -lt 100 ] || die 1 "subscriber not ready"
		sleep 0.1
	done
}

# Wait for the subscriber; its msgs/s into $RATE.
sub_wait() {
	wait "$SUB_PID" || die 1 "subscriber failed: $(cat "$DIR/sub.out")"
	SUB_PID=
	RATE=$(sed -n 's/.*: \([0-9]*\) msgs\/s/\1/p' "$DIR/sub.out")
}

echo "relay bench: $N_EVENTS events at QoS 1 through mosquitto on $URI"

# 1. The raw ceiling: a payload the size of a relayed event; the best of
# BENCH_RAW_RUNS runs (a ceiling: other load on the machine only lowers it).
RAW=0
run=0
while [ $run -lt "${BENCH_RAW_RUNS:-3}" ]; do
	run=$((run + 1))
	sub_start 'bench/raw' "$N_EVENTS"
	"$PUB" -u "$URI" -t bench/raw -n "$N_EVENTS" -w 1000 -s 190 \
	    > "$DIR/pub.out" || die 1 "publisher failed: $(cat "$DIR/pub.out")"
	sub_wait
	echo "  raw run $run (mqtt_pub, window 1000):   $RATE msgs/s end to end"
	[ "$RATE" -gt "$RAW" ] && RAW=$RATE
done
echo "  raw ceiling (best run):              $RAW msgs/s"

# 2. The relay: a fresh database with the events in its outbox.
cat > "$DIR/fupin.conf" <<EOF
node_id = "bench";
database = { path = "$DIR/fupin.db"; id_key_file = "$DIR/id.key"; };
mqtt = { uri = "$URI"; client_id = "fupin-bench"; };
EOF
"$BIN/fupinctl" -c "$DIR/fupin.conf" migrate > "$DIR/migrate.out" 2>&1 ||
    die 1 "migrate failed: $(cat "$DIR/migrate.out")"
sqlite3 "$DIR/fupin.db" <<EOF || die 1 "cannot fill the outbox"
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
    WHERE i < $N_EVENTS)
INSERT INTO event_outbox(event_id, type, occurred_at, data)
SELECT printf('00000000-0000-7000-8000-%012d', i),
       CASE i % 2 WHEN 0 THEN 'sms.inbound' ELSE 'sms.status' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       printf('{"seq":%d,"msisdn":"+86138****0001"}', i)
FROM c;
EOF
sub_start 'fupin/v1/events/#' "$N_EVENTS"
"$BIN/fupin-bridge" -c "$DIR/fupin.conf" 2> "$DIR/bridge.log" &
BR_PID=$!
sub_wait
RELAY=$RATE
LEFT=$(sqlite3 "$DIR/fupin.db" \
    "SELECT count(*) FROM event_outbox WHERE relayed_at IS NULL")
RATIO=$(awk -v r="$RELAY" -v c="$RAW" 'BEGIN { printf "%d", (c > 0 ? 100 * r / c : 0) }')
echo "  fupin-bridge relay (outbox -> MQTT): $RELAY msgs/s end to end" \
    "($LEFT not yet marked relayed when the last arrived)"
if [ "$RATIO" -ge "$TARGET_RATIO" ]; then verdict=ok; else verdict=UNDER; fi
echo "  relay / raw ceiling:                 $RATIO % (target >= $TARGET_RATIO %: $verdict)"

# 3. Registry intake through the same bridge.
# Publish, wait until the bridge applied all, time first to last applied.
intake() {	# label count template records_per_message
	before=$(grep -c 'registry.applied' "$DIR/bridge.log")
	"$PUB" -u "$URI" -t fupin/v1/registry/households -n "$2" -w 1000 \
	    -m "$3" > "$DIR/pub.out" ||
	    die 1 "registry publisher failed: $(cat "$DIR/pub.out")"
	i=0
	while [ "$(grep -c 'registry.applied' "$DIR/bridge.log")" -lt \
	    $((before + $2)) ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || die 1 "registry intake stalled: $(grep -c \
		    'registry.applied' "$DIR/bridge.log") applied"
		sleep 0.1
	done
	grep 'registry.applied' "$DIR/bridge.log" | tail -n "$2" \
	    > "$DIR/applied.log"
	set -- "$1" "$2" "$3" "$4" $(awk '
	    { split($1, d, "T"); split(d[2], t, ":"); sub("Z", "", t[3]);
	      s = t[1] * 3600 + t[2] * 60 + t[3];
	      if (NR == 1) first = s; last = s }
	    END { printf "%.3f", last - first }' "$DIR/applied.log")
	ups=$(awk -v n="$2" -v r="$4" -v s="$5" \
	    'BEGIN { printf "%d", (s > 0 ? n * r / s : 0) }')
	msgs=$(awk -v n="$2" -v s="$5" \
	    'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	if [ "$ups" -ge "$TARGET_UPSERTS" ]; then v=ok; else v=UNDER; fi
	echo "  registry intake, $1: $((($2) * $4)) upserts in $5 s:" \
	    "$ups upserts/s, $msgs msgs/s (target >= $TARGET_UPSERTS" \
	    "upserts/s: $v)"
}
ONE='{"event_id":"r-{n}","household_id":"HR{n}","area_code":"513431100201","head_name":"A","members":3,"status":"poor"}'
intake "1 household per message" "$N_REGISTRY" "$ONE" 1
REC=
i=0
while [ $i -lt 100 ]; do
	REC="$REC${REC:+,}{\"household_id\":\"HB{n}-$i\",\"area_code\":\"513431100201\",\"head_name\":\"B\",\"members\":2,\"status\":\"monitored\"}"
	i=$((i + 1))
done
intake "100 households per message" "$N_BATCHES" \
    "{\"event_id\":\"b-{n}\",\"op\":\"upsert\",\"records\":[$REC]}" 100
COUNT=$(sqlite3 "$DIR/fupin.db" "SELECT count(*) FROM households")
echo "  households in the database: $COUNT" \
    "(want $((N_REGISTRY + N_BATCHES * 100)))"
grep -o 'bridge.stats.*' "$DIR/bridge.log" | tail -n 1
exit 0
