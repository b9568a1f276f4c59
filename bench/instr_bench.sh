#!/bin/sh
# instr_bench.sh ROOT KIND: instructions the gateway executes per request
# (valgrind's callgrind counts instructions, not seconds: the same for the
# same binary and inputs whatever else the machine is doing), measured as
# the difference between 4,000 and 1,000 requests over 3,000, so start-up
# cancels out.  ROOT is a built checkout (bin/ and templates/), so two
# builds (before and after a change) compare like for like.
#   KIND ussd: the USSD bench's 8-step dialogue, durability normal
#   KIND mo:   MO on /sms/kannel, each from its own number, durability full
set -eu
ROOT=$(cd "$1" && pwd)
KIND=$2
run() {	# run N: total instructions of a gateway that answered N requests
	n=$1
	tmp=$(mktemp -d)
	port=$("$ROOT/bin/loadgen" --free-port)
	key=
	grep -q id_key_file "$ROOT/common/cfg_keys.c" &&
		key="id_key_file = \"$tmp/id.key\";"
	dur=normal
	[ "$KIND" = mo ] && dur=full
	cat >"$tmp/gw.conf" <<CONF
database = { path = "$tmp/fupin.db"; durability = "$dur"; $key };
http = { listen = "127.0.0.1:$port"; };
providers = ( { name = "local"; type = "file"; path = "$tmp/outbox.jsonl"; } );
templates = { dir = "$ROOT/templates"; };
CONF
	"$ROOT/bin/fupinctl" -c "$tmp/gw.conf" migrate >/dev/null
	for k in cadres households members enrollments trainings payments; do
		"$ROOT/bin/fupinctl" -c "$tmp/gw.conf" import "$k" \
			"$ROOT/data/demo/$k.csv" >/dev/null
	done
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		"$ROOT/bin/fupin-gateway" -c "$tmp/gw.conf" >"$tmp/gw.log" 2>&1 &
	gw=$!
	until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
		sleep 0.2
	done
	if [ "$KIND" = ussd ]; then
		"$ROOT/bin/loadgen" -c 20 -n "$n" --sessions 200 \
			--steps '|2|2*1|2*1*1|2*1*1*0|2*1*1*0*0|2*1*1*0*0*3|2*1*1*0*0*3*1' \
			-b 'sessionId=b%g-%s&serviceCode=*123%%23&phoneNumber=139%08s&text=%t' \
			"http://127.0.0.1:$port/ussd" >"$tmp/lg" 2>&1
	else
		"$ROOT/bin/loadgen" -c 20 -n "$n" -s 0 \
			"http://127.0.0.1:$port/sms/kannel?from=%011n&to=10690001&text=hello&id=m%n" \
			>"$tmp/lg" 2>&1
	fi
	kill -TERM "$gw"
	wait "$gw" 2>/dev/null || true
	sed -n 's/^\(summary\|totals\): *//p' "$tmp/cg.out" | head -n 1
	rm -rf "$tmp"
}
a=$(run 1000)
b=$(run 4000)
awk -v a="$a" -v b="$b" -v k="$KIND" 'BEGIN {
	printf "%s: %.1f thousand instructions per request (%d at 1,000 requests, %d at 4,000)\n",
	    k, (b - a) / 3000 / 1000, a, b }'
