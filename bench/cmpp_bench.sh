#!/bin/sh
# cmpp_bench.sh: the CMPP 2.0 link benchmark (issue 16).
#
#   sh bench/cmpp_bench.sh [BIN_DIR]
#
# Starts the ISMG simulator of the tests (tests/sim/cmpp_sim.py, Python
# asyncio) on a free loopback port, then drives one cmpp link with
# BIN_DIR/cmpp_drive (the provider alone, as the sender's I/O thread
# drives it: send_batch, 256 messages a batch) with a window of
# BENCH_CMPP_WINDOW (default 16):
#
#  1. BENCH_CMPP_MESSAGES (default 20,000) one-part Chinese messages;
#  2. a third as many three-part ones (UCS-2 with UDH), the same number of
#     short messages on the wire.
#
# Each prints submits per second (short messages on the wire, first send
# to last answer) and the submit -> SUBMIT_RESP latency p50 and p99 as the
# upper bound of the /metrics histogram bucket holding it.  Targets:
# >= 2,000 submits/s, p99 < 20 ms; being under one is reported, not
# failed.  The simulator is one Python process on the same machine: it is
# the slower end.  Exits non-zero only when it cannot run (69) or a run
# loses a message (1).  Everything goes to a temporary directory, removed
# at exit; the simulator is stopped by PID.

set -u

BIN=${1:-bin}
N=${BENCH_CMPP_MESSAGES:-20000}
WINDOW=${BENCH_CMPP_WINDOW:-16}
SECRET=bench-shared-secret
HERE=$(dirname "$0")
SIM=$HERE/../tests/sim/cmpp_sim.py

[ -x "$BIN/cmpp_drive" ] || { echo "cmpp_bench: $BIN/cmpp_drive missing (make $BIN/cmpp_drive)"; exit 69; }
command -v python3 >/dev/null || { echo "cmpp_bench: python3 missing"; exit 69; }

TMP=$(mktemp -d)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

mkfifo "$TMP/ctl"
python3 "$SIM" --port 0 --secret "$SECRET" < "$TMP/ctl" > "$TMP/sim.out" 2>&1 &
SIM_PID=$!
exec 3> "$TMP/ctl"		# its stdin stays open while we run
i=0
while [ $i -lt 100 ] && ! grep -q '^READY' "$TMP/sim.out"; do
	sleep 0.1; i=$((i + 1))
done
PORT=$(awk '/^READY/ { print $2 }' "$TMP/sim.out")
[ -n "$PORT" ] || { echo "cmpp_bench: the simulator did not start"; cat "$TMP/sim.out"; exit 69; }

status=0
run() {	# label messages long
	out=$("$BIN/cmpp_drive" 127.0.0.1 "$PORT" "$SECRET" "$2" "$WINDOW" 256 "$3") || status=1
	rate=$(echo "$out" | sed -n 's/.*submits_per_s=\([0-9]*\).*/\1/p')
	p99=$(echo "$out" | sed -n 's/.*p99_us_le=\([0-9]*\).*/\1/p')
	verdict=ok
	[ "${rate:-0}" -ge 2000 ] || verdict="UNDER TARGET (>= 2000/s)"
	[ "${p99:-999999999}" -lt 20000 ] || verdict="UNDER TARGET (p99 < 20 ms)"
	echo "cmpp $1: $out -> $verdict"
}
echo "cmpp: one link, window $WINDOW, simulator on 127.0.0.1:$PORT ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
run "one-part" "$N" 0
run "three-part" "$((N / 3))" 1
exit $status
