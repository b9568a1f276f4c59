#!/bin/sh
# instr_bench.sh ROOT KIND: instructions the gateway executes per request
# (valgrind's callgrind counts instructions, not seconds: the same for the
# same binary and inputs whatever else the machine is doing), measured as
# the difference between 4,000 and 1,000 requests over 3,000, so start-up
# cancels out.  ROOT is a built checkout (bin/ and templates/), so two
# builds (before and after a change) compare like for like; the load
# generator is this checkout's (bin/loadgen: make bin/loadgen), the same
# for both.
#   KIND ussd: the USSD bench's 8-step dialogue, durability normal
#   KIND mo:   MO as bench/sms_bench.sh's gw_mo phase (BENCH.md): POST
#              /sms/inbound from 5,000 numbers in turn (so each of these
#              requests is a number's first: each gets the help reply),
#              durability full, no registry
#   KIND mt:   GET /cgi-bin/sendsms with an admin token, durability
#              normal, the file provider at its highest rate (the
#              request, the send and its "sent")
# Every request must be answered 2xx, or the run fails: a count of
# refusals would measure the wrong thing.  Callgrind counts each
# iteration of a `rep stos` (glibc's memset of a few KiB and more) as an
# instruction, so clearing memory weighs far more here than in time.
set -eu
[ $# -eq 2 ] || { echo "usage: sh bench/instr_bench.sh ROOT ussd|mo|mt" >&2; exit 64; }
ROOT=$(cd "$1" && pwd)
KIND=$2
LOADGEN=$(cd "$(dirname "$0")/.." && pwd)/bin/loadgen
[ -x "$LOADGEN" ] || { echo "instr_bench: $LOADGEN missing: make bin/loadgen" >&2; exit 69; }
case $KIND in
ussd | mo | mt) ;;
*) echo "instr_bench: KIND is ussd, mo or mt" >&2; exit 64 ;;
esac
TOKEN=bench-admin-token
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | awk '{ print $1 }')
run() {	# run N: total instructions of a gateway that answered N requests
	n=$1
	tmp=$(mktemp -d)
	port=$("$LOADGEN" --free-port)
	key=
	grep -q id_key_file "$ROOT/common/cfg_keys.c" &&
		key="id_key_file = \"$tmp/id.key\";"
	dur=normal
	rate=50
	[ "$KIND" = mo ] && dur=full
	[ "$KIND" = mt ] && rate=100000
	cat >"$tmp/gw.conf" <<CONF
database = { path = "$tmp/fupin.db"; durability = "$dur"; $key };
http = { listen = "127.0.0.1:$port"; };
providers = ( { name = "local"; type = "file"; path = "$tmp/outbox.jsonl"; rate = $rate; } );
api = { tokens = ( { name = "bench"; token_sha256 = "$TOKEN_SHA"; role = "admin"; area = ""; } ); };
templates = { dir = "$ROOT/templates"; };
CONF
	"$ROOT/bin/fupinctl" -c "$tmp/gw.conf" migrate >/dev/null
	if [ "$KIND" = ussd ]; then
		for k in cadres households members enrollments trainings payments; do
			"$ROOT/bin/fupinctl" -c "$tmp/gw.conf" import "$k" \
				"$ROOT/data/demo/$k.csv" >/dev/null
		done
	fi
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		"$ROOT/bin/fupin-gateway" -c "$tmp/gw.conf" >"$tmp/gw.log" 2>&1 &
	gw=$!
	until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
		sleep 0.2
	done
	case $KIND in
	ussd)
		"$LOADGEN" -c 20 -n "$n" --sessions 200 \
			--steps '|2|2*1|2*1*1|2*1*1*0|2*1*1*0*0|2*1*1*0*0*3|2*1*1*0*0*3*1' \
			-b 'sessionId=b%g-%s&serviceCode=*123%%23&phoneNumber=139%08s&text=%t' \
			"http://127.0.0.1:$port/ussd" >"$tmp/lg" 2>&1 ;;
	mo)
		"$LOADGEN" -c 20 -n "$n" --senders 5000 \
			-b 'from=%2B861380000%04r&to=10690001&text=bench+mo+message+i-%n&id=bench-mo-i-%n' \
			"http://127.0.0.1:$port/sms/inbound" >"$tmp/lg" 2>&1 ;;
	mt)
		"$LOADGEN" -c 20 -n "$n" \
			"http://127.0.0.1:$port/cgi-bin/sendsms?username=bench&password=$TOKEN&from=10690001&to=139%08n&text=Bench+message+%n" \
			>"$tmp/lg" 2>&1 ;;
	esac
	ok=$(sed -n 's/^loadgen .* ok=\([0-9]*\) .*/\1/p' "$tmp/lg")
	if [ "${ok:-0}" != "$n" ]; then
		kill -TERM "$gw"
		wait "$gw" 2>/dev/null || true
		echo "instr_bench: $KIND: ${ok:-no} 2xx answers of $n:" >&2
		tail -n 4 "$tmp/lg" >&2
		rm -rf "$tmp"
		exit 1
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
