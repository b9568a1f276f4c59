#!/bin/sh
# sms_bench.sh: the SMS benchmark behind `make bench`: the gateway against
# Debian's Kannel 1.4.5 on the same machine, in the same run, driven by the
# same closed-loop load generator (BIN_DIR/loadgen, bench/loadgen.c).
#
#   sh bench/sms_bench.sh BIN_DIR
#
# Six phases, each with fresh processes (so each peak RSS is that load's)
# on free loopback ports, everything in one temporary directory:
#   a  Kannel MO: fakesmsc floods BENCH_MO messages into bearerbox; smsbox
#      hands each to its get-url, a loadgen sink; MO/s = the sink's rate
#      from the first to the last request.
#   b  Kannel MT: BENCH_CONNS keep-alive clients send BENCH_MT requests to
#      smsbox's /cgi-bin/sendsms (accepted/s); bearerbox passes them to
#      fakesmsc, whose own first-to-last receive rate is the delivered/s.
#   c  gateway MO: durability "full", demo registry loaded, BENCH_CONNS
#      clients POST BENCH_MO messages to /sms/kannel, each from its own
#      number (flood control never triggers; each gets the help reply,
#      queued for a provider at the shipped rate of 50/s).
#   d  gateway sendsms: BENCH_CONNS clients, BENCH_MT requests to
#      /cgi-bin/sendsms with an admin token (accepted/s), while
#   e  the http_json provider (16 connections, rate GW_MT_RATE: the most
#      the configuration allows, so the limit is in effect off, as
#      Kannel's fakesmsc link has none) delivers them to a loadgen sink:
#      delivered/s from the first to the last request.
#   f  rate limit: provider rate BENCH_RATE (200/s), BENCH_RATE_N (2000)
#      messages; the rate measured at the sink against the configured one.
# Phases a-e run BENCH_ROUNDS times (default 4), each gateway phase next
# to its Kannel phase, which goes first in odd rounds and second in even
# ones: on a shared machine a single pair can be 15 % off either way, and
# whichever runs second in a pair tends to lose a little, so an even
# number of rounds gives both orders the same weight.
# Then one table: the median of each figure over the rounds, Kannel's
# beside it, the median of the rounds' ratios, the target and OK or
# BELOW, and each round's ratio; peak RSS (VmHWM, the highest round) of bearerbox +
# smsbox and of the gateway under each load.
#
# Missing a target is reported, not failed: this is a benchmark, not a
# test.  The script exits non-zero only when it cannot run: 64 usage, 69 a
# tool is missing, 1 a process failed or a phase did not complete (its
# logs are printed).  Every process it starts is stopped by PID at exit.
#
# Every gateway phase runs with database.durability = "full".  Each
# phase also reports how many cores other processes on the machine used
# meanwhile (machine CPU time less ours); the table warns when that makes
# the figures unreliable.
#
# Environment: BENCH_MO (20000), BENCH_MT (20000), BENCH_CONNS (50),
# BENCH_RATE (200), BENCH_RATE_N (2000), BENCH_KANNEL_LOG_LEVEL (1: info,
# as a production Kannel), BENCH_PHASES (all: "kannel_mo kannel_mt gw_mo
# gw_mt gw_rate"; a subset to profile one phase), BENCH_ROUNDS (4),
# TMPDIR.  The whole run takes about a minute with the defaults on an
# idle 2-core machine.
#
# Needs: Debian's kannel and kannel-extras (bearerbox, smsbox, fakesmsc),
# curl, sha256sum, sqlite3, awk, mktemp.

set -u

TARGET_MO_RATIO=2.0
TARGET_MO_P99_MS=20
TARGET_ACCEPT_RATIO=1.5
TARGET_DELIVER_RATIO=1.0
TARGET_RATE_PCT=2

BEARERBOX=/usr/sbin/bearerbox
SMSBOX=/usr/sbin/smsbox
FAKESMSC=/usr/lib/kannel/test/fakesmsc

SHORTCODE=10690001
K_USER=bench
K_PASSWORD=bench-secret
K_ADMIN_PW=bench-admin
GW_TOKEN_NAME=bench
GW_TOKEN=bench-admin-token
GW_MT_RATE=100000	# providers.rate's maximum: no limit for phase e

die() {
	code=$1
	shift
	printf 'sms_bench: %s\n' "$*" >&2
	exit "$code"
}

[ $# -eq 1 ] || die 64 "usage: sh bench/sms_bench.sh BIN_DIR"
BIN_DIR=$(cd "$1" 2>/dev/null && pwd) || die 64 "no directory $1"
LOADGEN=$BIN_DIR/loadgen
GATEWAY=$BIN_DIR/fupin-gateway
FUPINCTL=$BIN_DIR/fupinctl
ROOT=$(cd "$(dirname "$0")/.." && pwd) || die 1 "cannot find the checkout"

# number NAME DEFAULT: a positive integer from the environment.
number() {
	v=
	eval "v=\${$1:-$2}"
	case $v in
	'' | *[!0-9]*) die 64 "$1 must be a positive number, not '$v'" ;;
	esac
	[ "$v" -gt 0 ] || die 64 "$1 must be at least 1"
	printf '%s\n' "$v"
}
N_MO=$(number BENCH_MO 20000) || exit
N_MT=$(number BENCH_MT 20000) || exit
CONNS=$(number BENCH_CONNS 50) || exit
RATE=$(number BENCH_RATE 200) || exit
N_RATE=$(number BENCH_RATE_N 2000) || exit
K_LOG_LEVEL=${BENCH_KANNEL_LOG_LEVEL:-1}
case $K_LOG_LEVEL in
[0-5]) ;;
*) die 64 "BENCH_KANNEL_LOG_LEVEL must be 0-5" ;;
esac
[ "$RATE" -le 10000 ] || die 64 "BENCH_RATE must be at most 10000"

for f in "$LOADGEN" "$GATEWAY" "$FUPINCTL"; do
	[ -x "$f" ] || die 69 "$f not found: run make first"
done
for f in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
	[ -x "$f" ] || die 69 "$f is missing: apt-get install kannel kannel-extras"
done
for t in curl sha256sum sqlite3 awk; do
	command -v "$t" >/dev/null 2>&1 || die 69 "$t is missing (make deps)"
done

CLK_TCK=$(getconf CLK_TCK 2>/dev/null) || CLK_TCK=100

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fupin-smsbench.XXXXXX") ||
	die 1 "cannot create a temporary directory"
case $TMP in
*[\"\\]*) die 1 "the temporary directory $TMP has a quote or backslash" ;;
esac
FIGURES=$TMP/figures
: >"$FIGURES"

# ---- processes --------------------------------------------------------------
# PROCS holds "name:pid" of every process started and not yet stopped.
PROCS=

# start NAME CMD...: run CMD in the background, output to $TMP/NAME.out;
# sets $pid.
start() {
	name=$1
	shift
	"$@" >"$TMP/$name.out" 2>&1 &
	pid=$!
	PROCS="$PROCS $name:$pid"
}

# stop_pid PID [SIGNAL]: SIGNAL (TERM), SIGKILL after 10 s, reap.
stop_pid() {
	sp_pid=$1
	kill "-${2:-TERM}" "$sp_pid" 2>/dev/null
	sp_i=0
	while kill -0 "$sp_pid" 2>/dev/null && [ "$sp_i" -lt 100 ]; do
		sleep 0.1
		sp_i=$((sp_i + 1))
	done
	if kill -0 "$sp_pid" 2>/dev/null; then
		printf 'sms_bench: PID %s ignored SIG%s, killed\n' "$sp_pid" \
			"${2:-TERM}" >&2
		kill -KILL "$sp_pid" 2>/dev/null
	fi
	wait "$sp_pid" 2>/dev/null
	sp_rest=
	for sp_p in $PROCS; do
		[ "${sp_p#*:}" = "$sp_pid" ] || sp_rest="$sp_rest $sp_p"
	done
	PROCS=$sp_rest
}

# Everything still running, last started first.
stop_all() {
	sa_rev=
	for sa_p in $PROCS; do
		sa_rev="$sa_p $sa_rev"
	done
	for sa_p in $sa_rev; do
		stop_pid "${sa_p#*:}"
	done
}

cleanup() {
	stop_all
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The last lines of every log of this run, for a failure.
show_logs() {
	for sl_f in "$TMP"/*.out "$TMP"/*.log; do
		[ -s "$sl_f" ] || continue
		printf -- '---- %s ----\n' "${sl_f##*/}" >&2
		grep -v 'DEBUG:' "$sl_f" | tail -n 15 >&2
	done
}

fail() {
	printf 'sms_bench: FAILED: %s\n' "$*" >&2
	show_logs
	exit 1
}

# A process that exited by itself is a failure.
check_alive() {
	for ca_p in $PROCS; do
		kill -0 "${ca_p#*:}" 2>/dev/null ||
			fail "${ca_p%%:*} exited early"
	done
}

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	wf_limit=$(($1 * 10))
	wf_what=$2
	shift 2
	wf_i=0
	until "$@" >/dev/null 2>&1; do
		check_alive
		wf_i=$((wf_i + 1))
		[ "$wf_i" -lt "$wf_limit" ] || fail "no $wf_what within $((wf_limit / 10)) s"
		sleep 0.1
	done
}

# http_has URL NEEDLE: the answer to GET URL contains NEEDLE.
http_has() {
	curl -s --max-time 2 "$1" | grep -q -- "$2"
}

# http_up URL: any HTTP answer at all.
http_up() {
	hu_code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1")
	[ "${hu_code:-000}" != 000 ]
}

# vmhwm_kib PID: peak resident set size of a running process, KiB.
vmhwm_kib() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# cpu_s PID: CPU seconds (user + system, all threads) of a running
# process; the comm field has no spaces for ours.
cpu_s() {
	awk -v hz="$CLK_TCK" '{ printf "%.2f\n", ($14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null
}

# kv KEY LINE: the value of KEY=value in LINE.
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# fig KEY VALUE: note a figure for the table.
fig() {
	printf '%s %s\n' "$1" "$2" >>"$FIGURES"
}

# our_cpu: CPU seconds of this shell's finished children (and theirs)
# into $our_cpu_s, from `times`' second line.  `times` must not run in a
# subshell, which would report its own children.
our_cpu() {
	times >"$TMP/times"
	our_cpu_s=$(sed -n 2p "$TMP/times" | tr 'ms' '  ' |
		awk '{ printf "%.2f\n", $1 * 60 + $2 + $3 * 60 + $4 }')
}

# Busy CPU seconds of the whole machine (user, nice, system).
machine_cpu() {
	awk -v hz="$CLK_TCK" '$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4) / hz }' \
		/proc/stat
}

# phase_begin / phase_end NAME: how much CPU processes other than ours
# used meanwhile, in cores; a busy machine makes the figures unreliable.
phase_begin() {
	ph_t0=$(date +%s.%N)
	ph_m0=$(machine_cpu)
	our_cpu
	ph_o0=$our_cpu_s
}

phase_end() {
	our_cpu
	ph_other=$(awk -v t0="$ph_t0" -v t1="$(date +%s.%N)" \
		-v m0="$ph_m0" -v m1="$(machine_cpu)" -v o0="$ph_o0" \
		-v o1="$our_cpu_s" 'BEGIN {
		other = (m1 - m0) - (o1 - o0)
		printf "%.2f\n", (t1 > t0 && other > 0) ? other / (t1 - t0) : 0
	}')
	printf '    other processes on this machine used %s cores meanwhile\n' \
		"$ph_other"
	fig "other_$1" "$ph_other"
}

# free_ports N: N distinct free loopback ports, space-separated.
free_ports() {
	fp_got=
	fp_tries=0
	fp_n=0
	while [ "$fp_n" -lt "$1" ]; do
		fp_tries=$((fp_tries + 1))
		[ "$fp_tries" -lt 100 ] || fail "no free loopback ports"
		fp_p=$("$LOADGEN" --free-port) || fail "loadgen --free-port"
		case " $fp_got " in
		*" $fp_p "*) ;;
		*)
			fp_got="$fp_got $fp_p"
			fp_n=$((fp_n + 1))
			;;
		esac
	done
	printf '%s\n' "$fp_got"
}

# loadgen_run NAME ARGS...: a client run, its summary line in $lg_line.
loadgen_run() {
	lr_name=$1
	shift
	"$LOADGEN" "$@" >"$TMP/$lr_name.out" 2>&1 ||
		fail "loadgen $lr_name exited $?"
	sed -n '1,5s/^/    /p' "$TMP/$lr_name.out" | grep -v '^    loadgen '
	lg_line=$(grep '^loadgen ' "$TMP/$lr_name.out" | tail -n 1)
	[ -n "$lg_line" ] || fail "loadgen $lr_name printed no summary"
}

# sink_start NAME PORT EXPECT: a loadgen sink; sets $pid.
sink_start() {
	start "$1" "$LOADGEN" --sink "$2" --expect "$3"
	wait_for 10 "$1 on port $2" grep -q '^sink.ready' "$TMP/$1.out"
}

# ---- Kannel -----------------------------------------------------------------
# kannel_conf FILE ADMIN BOX FAKE SENDSMS SINK: bearerbox and smsbox on
# loopback, the fake SMSC, a sendsms user, every MO to the sink.  The
# peer the issue defines: bearerbox keeps every message in its file store
# (store-type file: what makes Kannel lose nothing on kill -9; it never
# calls fsync), so Kannel does the work of keeping a message as the
# gateway does.
kannel_conf() {
	cat >"$1" <<EOF || fail "cannot write $1"
group = core
admin-port = $2
admin-interface = 127.0.0.1
admin-password = "$K_ADMIN_PW"
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = $3
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
dlr-storage = internal
store-type = file
store-location = "$TMP/kannel.store"
log-file = "$TMP/bearerbox.log"
log-level = $K_LOG_LEVEL
access-log = "$TMP/bearerbox-access.log"

group = smsc
smsc = fake
smsc-id = fake1
port = $4
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $5
sendsms-interface = 127.0.0.1
mo-recode = true
log-file = "$TMP/smsbox.log"
log-level = $K_LOG_LEVEL
access-log = "$TMP/smsbox-access.log"

group = sendsms-user
username = "$K_USER"
password = "$K_PASSWORD"
user-deny-ip = "*.*.*.*"
user-allow-ip = "127.0.0.1"
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:$6/sms/kannel?from=%p&to=%P&text=%a&id=%I&smsc=%i&coding=%c&charset=%C"
omit-empty = true
max-messages = 0
EOF
}

# kannel_start CONF ADMIN SENDSMS: bearerbox, then smsbox; sets $bb_pid,
# $box_pid.
kannel_start() {
	ks_status="http://127.0.0.1:$2/status.txt?password=$K_ADMIN_PW"
	rm -f "$TMP"/kannel.store*	# nothing of an earlier phase
	start bearerbox "$BEARERBOX" -v 2 "$1"
	bb_pid=$pid
	wait_for 20 "bearerbox status" http_has "$ks_status" 'Status: running'
	[ -e "$TMP/kannel.store" ] || fail "bearerbox made no store file"
	start smsbox "$SMSBOX" -v 2 "$1"
	box_pid=$pid
	wait_for 20 "smsbox at bearerbox" http_has "$ks_status" 'smsbox:'
	wait_for 20 "smsbox sendsms port" http_up \
		"http://127.0.0.1:$3/cgi-bin/sendsms"
}

# kannel_sent ADMIN: bearerbox's count of MT sent to the SMSC.
kannel_sent() {
	curl -s --max-time 2 \
		"http://127.0.0.1:$1/status.txt?password=$K_ADMIN_PW" |
		sed -n 's/^SMS:.*sent \([0-9][0-9]*\) .*/\1/p' | head -n 1
}

# kannel_stop: smsbox, then bearerbox, then whatever else this phase ran.
kannel_stop() {
	stop_pid "$box_pid"
	stop_pid "$bb_pid"
	stop_all
	rm -f "$TMP"/bearerbox*.log "$TMP"/smsbox*.log
}

phase_kannel_mo() {
	printf '==> a. Kannel MO: fakesmsc -> bearerbox -> smsbox -> get-url sink, %s messages\n' "$N_MO"
	# shellcheck disable=SC2046 # five numbers, split on purpose
	set -- $(free_ports 5)
	[ $# -eq 5 ] || fail "no free loopback ports"
	kannel_conf "$TMP/kannel.conf" "$1" "$2" "$3" "$4" "$5"
	sink_start kannel-mo-sink "$5" "$N_MO"
	kannel_start "$TMP/kannel.conf" "$1" "$4"
	start fakesmsc-mo "$FAKESMSC" -H 127.0.0.1 -r "$3" -i 0 -m "$N_MO" \
		-v 1 "13900000000 $SHORTCODE text hello world"
	wait_for $((30 + N_MO / 500)) "all MO at the sink" \
		grep -q '^sink.done' "$TMP/kannel-mo-sink.out"
	sink_line=$(grep '^sink.done' "$TMP/kannel-mo-sink.out")
	printf '    %s\n' "$sink_line"
	fig k_mo_rate "$(kv rate "$sink_line")"
	fig k_mo_rss $(($(vmhwm_kib "$bb_pid") + $(vmhwm_kib "$box_pid")))
	kannel_stop
}

phase_kannel_mt() {
	printf '==> b. Kannel MT: %s sendsms, %s connections -> smsbox -> bearerbox -> fakesmsc\n' \
		"$N_MT" "$CONNS"
	# shellcheck disable=SC2046 # five numbers, split on purpose
	set -- $(free_ports 5)
	[ $# -eq 5 ] || fail "no free loopback ports"
	kannel_conf "$TMP/kannel.conf" "$1" "$2" "$3" "$4" "$5"
	kannel_start "$TMP/kannel.conf" "$1" "$4"
	# -m 0: send nothing, count what comes; it prints its first-to-last
	# receive rate when it stops.  Without a message it would read them
	# from stdin.
	start fakesmsc-mt "$FAKESMSC" -H 127.0.0.1 -r "$3" -m 0 -v 1 \
		"13900000000 $SHORTCODE text unused"
	fk_pid=$pid
	wait_for 20 "fakesmsc at bearerbox" grep -q 'fakesmsc starting' \
		"$TMP/fakesmsc-mt.out"
	sleep 0.5
	loadgen_run kannel-mt -c "$CONNS" -n "$N_MT" \
		"http://127.0.0.1:$4/cgi-bin/sendsms?username=$K_USER&password=$K_PASSWORD&from=$SHORTCODE&to=139%08n&text=Bench+message+%n"
	k_accept=$lg_line
	fig k_mt_accept "$(kv rate "$k_accept")"
	fig k_mt_accept_p99 "$(kv p99_ms "$k_accept")"
	[ "$(kv ok "$k_accept")" = "$N_MT" ] ||
		printf '    WARNING: Kannel accepted %s of %s\n' \
			"$(kv ok "$k_accept")" "$N_MT"
	want=$(kv ok "$k_accept")
	wait_for $((30 + N_MT / 500)) "$want MT at fakesmsc" \
		kannel_all_sent "$1" "$want"
	sleep 0.5
	fig k_mt_rss $(($(vmhwm_kib "$bb_pid") + $(vmhwm_kib "$box_pid")))
	stop_pid "$fk_pid" INT
	line=$(grep 'from first to last received message' \
		"$TMP/fakesmsc-mt.out" | tail -n 1)
	got=$(sed -n 's/.* sent and \([0-9][0-9]*\) received.*/\1/p' \
		"$TMP/fakesmsc-mt.out" | tail -n 1)
	rate=$(printf '%s\n' "$line" | sed -n 's/.*, \([0-9.]*\) msgs\/s.*/\1/p')
	[ -n "$rate" ] || fail "fakesmsc printed no receive rate"
	printf '    fakesmsc received %s, first to last: %s/s\n' "$got" "$rate"
	fig k_mt_deliver "$rate"
	kannel_stop
}

# kannel_all_sent ADMIN N: bearerbox has sent at least N to the SMSC.
kannel_all_sent() {
	ka_n=$(kannel_sent "$1")
	[ -n "$ka_n" ] && [ "$ka_n" -ge "$2" ]
}

# ---- gateway ----------------------------------------------------------------
GW_TOKEN_SHA=$(printf %s "$GW_TOKEN" | sha256sum | awk '{ print $1 }')

# gw_setup DIR PORT SINK_PORT RATE CONNS: a fresh configuration and
# database with the demo registry in DIR.
gw_setup() {
	# A fresh database each round: ids already stored would be answered
	# from the dedupe table.
	rm -rf "$1"
	mkdir -p "$1" || fail "cannot create $1"
	cat >"$1/fupin.conf" <<EOF || fail "cannot write $1/fupin.conf"
node_id = "bench";
database = { path = "$1/fupin.db"; durability = "full"; id_key_file = "$1/id.key"; };
http = { listen = "127.0.0.1:$2"; };
sms = { shortcode = "$SHORTCODE"; provider = "sink"; };
providers = (
	{
		name = "sink";
		type = "http_json";
		url = "http://127.0.0.1:$3/sms/send";
		token = "bench-provider-token";
		rate = $4;
		connections = $5;
	}
);
api = {
	tokens = (
		{
			name = "$GW_TOKEN_NAME";
			token_sha256 = "$GW_TOKEN_SHA";
			role = "admin";
			area = "";
		}
	);
};
templates = { dir = "$ROOT/templates"; };
EOF
	"$FUPINCTL" -c "$1/fupin.conf" migrate >"$1/migrate.log" 2>&1 ||
		fail "fupinctl migrate: $(tail -n 3 "$1/migrate.log")"
	for kind in cadres households members enrollments trainings payments; do
		[ -f "$ROOT/data/demo/$kind.csv" ] || continue
		"$FUPINCTL" -c "$1/fupin.conf" import "$kind" \
			"$ROOT/data/demo/$kind.csv" >>"$1/import.log" 2>&1 ||
			fail "fupinctl import $kind: $(tail -n 3 "$1/import.log")"
	done
}

# gw_start DIR PORT: the gateway; sets $gw_pid.
gw_start() {
	start gateway "$GATEWAY" -c "$1/fupin.conf"
	gw_pid=$pid
	wait_for 20 "gateway /healthz" http_has "http://127.0.0.1:$2/healthz" ''
}

# gw_count DIR SQL: one number from the gateway's database.
gw_count() {
	sqlite3 -cmd '.timeout 5000' "$1/fupin.db" "$2" 2>/dev/null
}

phase_gw_mo() {
	printf '==> c. gateway MO: %s POST /sms/kannel, %s connections, durability full\n' \
		"$N_MO" "$CONNS"
	dir=$TMP/gw-mo
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(free_ports 2)
	[ $# -eq 2 ] || fail "no free loopback ports"
	gw_setup "$dir" "$1" "$2" 50 4
	sink_start gw-mo-replies "$2" 1000000000
	gw_start "$dir" "$1"
	loadgen_run gw-mo -c "$CONNS" -n "$N_MO" -s 0 \
		-b "from=139%08n&to=$SHORTCODE&text=CX&id=bench-mo-%n&smsc=fake1&coding=0&charset=UTF-8" \
		"http://127.0.0.1:$1/sms/kannel"
	fig g_mo_rate "$(kv rate "$lg_line")"
	fig g_mo_p99 "$(kv p99_ms "$lg_line")"
	fig g_mo_ok "$(kv ok "$lg_line")"
	fig g_mo_rss "$(vmhwm_kib "$gw_pid")"
	stored=$(gw_count "$dir" "SELECT count(*) FROM sms_in")
	printf '    sms_in rows: %s\n' "${stored:-?}"
	stop_all
}

phase_gw_mt() {
	printf '==> d/e. gateway MT: %s sendsms, %s connections -> http_json (rate %s, 16 connections) -> sink\n' \
		"$N_MT" "$CONNS" "$GW_MT_RATE"
	dir=$TMP/gw-mt
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(free_ports 2)
	[ $# -eq 2 ] || fail "no free loopback ports"
	gw_setup "$dir" "$1" "$2" "$GW_MT_RATE" 16
	sink_start gw-mt-sink "$2" "$N_MT"
	gw_start "$dir" "$1"
	loadgen_run gw-mt -c "$CONNS" -n "$N_MT" \
		"http://127.0.0.1:$1/cgi-bin/sendsms?username=$GW_TOKEN_NAME&password=$GW_TOKEN&from=$SHORTCODE&to=139%08n&text=Bench+message+%n"
	fig g_mt_accept "$(kv rate "$lg_line")"
	fig g_mt_accept_p99 "$(kv p99_ms "$lg_line")"
	ok=$(kv ok "$lg_line")
	[ "$ok" = "$N_MT" ] ||
		fail "the gateway accepted $ok of $N_MT; the sink would wait forever"
	wait_for $((30 + N_MT / 200)) "$N_MT messages at the sink" \
		grep -q '^sink.done' "$TMP/gw-mt-sink.out"
	sink_line=$(grep '^sink.done' "$TMP/gw-mt-sink.out")
	printf '    %s\n' "$sink_line"
	fig g_mt_deliver "$(kv rate "$sink_line")"
	fig g_mt_rss "$(vmhwm_kib "$gw_pid")"
	# CPU per message: steadier than rates on a shared machine.
	printf '    gateway CPU %s s for %s messages\n' "$(cpu_s "$gw_pid")" \
		"$N_MT"
	stop_all
}

phase_gw_rate() {
	printf '==> f. gateway rate limit: %s sendsms, provider rate %s/s\n' \
		"$N_RATE" "$RATE"
	dir=$TMP/gw-rate
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(free_ports 2)
	[ $# -eq 2 ] || fail "no free loopback ports"
	gw_setup "$dir" "$1" "$2" "$RATE" 16
	sink_start gw-rate-sink "$2" "$N_RATE"
	gw_start "$dir" "$1"
	loadgen_run gw-rate -c "$CONNS" -n "$N_RATE" \
		"http://127.0.0.1:$1/cgi-bin/sendsms?username=$GW_TOKEN_NAME&password=$GW_TOKEN&from=$SHORTCODE&to=139%08n&text=Bench+message+%n"
	ok=$(kv ok "$lg_line")
	[ "$ok" = "$N_RATE" ] ||
		fail "the gateway accepted $ok of $N_RATE"
	wait_for $((30 + 2 * N_RATE / RATE)) "$N_RATE messages at the sink" \
		grep -q '^sink.done' "$TMP/gw-rate-sink.out"
	sink_line=$(grep '^sink.done' "$TMP/gw-rate-sink.out")
	printf '    %s\n' "$sink_line"
	fig g_rate "$(kv rate "$sink_line")"
	stop_all
}

# ---- run --------------------------------------------------------------------
printf 'SMS benchmark: Kannel %s vs fupin-gateway, %s MO, %s MT, %s connections, %s cores\n' \
	"$(dpkg-query -W -f='${Version}' kannel 2>/dev/null || echo '?')" \
	"$N_MO" "$N_MT" "$CONNS" "$(nproc 2>/dev/null || echo '?')"
printf '  work dir %s, Kannel log-level %s\n' "$TMP" "$K_LOG_LEVEL"
t0=$(date +%s)
PHASES=${BENCH_PHASES:-kannel_mo kannel_mt gw_mo gw_mt gw_rate}
ROUNDS=${BENCH_ROUNDS:-4}
case $ROUNDS in
''|*[!0-9]*|0) die 64 "BENCH_ROUNDS: a number of rounds, 1 or more" ;;
esac
for phase in $PHASES; do
	case " kannel_mo kannel_mt gw_mo gw_mt gw_rate " in
	*" $phase "*) ;;
	*) die 64 "BENCH_PHASES: no phase $phase" ;;
	esac
done

# run_phase NAME: one phase, if BENCH_PHASES has it.
run_phase() {
	case " $PHASES " in
	*" $1 "*) ;;
	*) return 0 ;;
	esac
	# No dirty pages of the phase before: their writeback would compete
	# with this phase's fsyncs (the gateway's) and disk writes.
	sync
	phase_begin
	"phase_$1"
	phase_end "$1"
}

round=1
while [ "$round" -le "$ROUNDS" ]; do
	[ "$ROUNDS" -gt 1 ] && printf -- '--- round %s of %s\n' "$round" "$ROUNDS"
	fig round "$round"
	for load in mo mt; do
		if [ $((round % 2)) -eq 1 ]; then
			run_phase "kannel_$load"
			run_phase "gw_$load"
		else
			run_phase "gw_$load"
			run_phase "kannel_$load"
		fi
	done
	round=$((round + 1))
done
run_phase gw_rate

# ---- report -----------------------------------------------------------------
printf '\n'
awk -v mo_ratio="$TARGET_MO_RATIO" -v mo_p99="$TARGET_MO_P99_MS" \
	-v acc_ratio="$TARGET_ACCEPT_RATIO" \
	-v del_ratio="$TARGET_DELIVER_RATIO" -v rate_pct="$TARGET_RATE_PCT" \
	-v rate="$RATE" -v n_mo="$N_MO" '
# Every figure once per round: f[] is the median (peak RSS: the highest),
# and the ratio of each round is kept for the table.
$1 == "round" { rnd = $2; next }
{
	v[$1, ++n[$1]] = $2
	byround[$1, rnd] = $2
	if (rnd > rounds)
		rounds = rnd
}
# The median of a[1..m] (sorted in place: a few values).
function med(a, m,    i, j, t) {
	if (m == 0)
		return 0
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
function median(k,    i, a) {
	for (i = 1; i <= n[k]; i++)
		a[i] = v[k, i] + 0
	return med(a, n[k])
}
function peak(k,    i, x) {
	for (i = 1; i <= n[k]; i++)
		if (v[k, i] + 0 > x)
			x = v[k, i] + 0
	return x
}
function each(g, k,    i, s) {
	if (rounds < 2)
		return ""
	for (i = 1; i <= rounds; i++)
		s = s sprintf(" %.2f", ratio(byround[g, i], byround[k, i]))
	return "  rounds:" s
}
function ratio(g, k) { return k > 0 ? g / k : 0 }
# The ratio of a figure: with rounds, the median of the ratios of each
# round (each pair ran back to back on the machine as it was then).
function paired(g, k,    i, a) {
	if (rounds < 2)
		return ratio(f[g], f[k])
	for (i = 1; i <= rounds; i++)
		a[i] = ratio(byround[g, i], byround[k, i])
	return med(a, rounds)
}
function row(name, k, g, r, target, ok) {
	printf "%-30s %10s %10s %7s  %-12s %s\n", name, k, g, r, target, ok
}
function num(v) { return sprintf("%.0f", v) }
function verdict(b) { return b ? "OK" : "BELOW" }
END {
	for (k in n)
		f[k] = k ~ /_rss$/ ? peak(k) : median(k)
	f["g_mo_ok"] = 0
	for (i = 1; i <= n["g_mo_ok"]; i++)	# every round all answered
		f["g_mo_ok"] += v["g_mo_ok", i] == n_mo
	f["g_mo_ok"] = f["g_mo_ok"] == n["g_mo_ok"] ? n_mo : 0
	if (rounds > 1)
		printf "medians of %d rounds (ratio: the median of the " \
		    "rounds\047 ratios)\n", rounds
	row("figure", "Kannel", "gateway", "ratio", "target", "result")
	r = paired("g_mo_rate", "k_mo_rate")
	row("MO/s", num(f["k_mo_rate"]), num(f["g_mo_rate"]),
	    sprintf("%.2f", r), ">= " mo_ratio "x",
	    verdict(r >= mo_ratio && f["g_mo_ok"] == n_mo) \
	    each("g_mo_rate", "k_mo_rate"))
	row("MO p99 ms (50 clients)", "-", sprintf("%.2f", f["g_mo_p99"]),
	    "-", "< " mo_p99 " ms", verdict(f["g_mo_p99"] < mo_p99))
	r = paired("g_mt_accept", "k_mt_accept")
	row("sendsms accepted/s", num(f["k_mt_accept"]),
	    num(f["g_mt_accept"]), sprintf("%.2f", r), ">= " acc_ratio "x",
	    verdict(r >= acc_ratio) each("g_mt_accept", "k_mt_accept"))
	row("sendsms p99 ms", sprintf("%.2f", f["k_mt_accept_p99"]),
	    sprintf("%.2f", f["g_mt_accept_p99"]), "-", "(report)", "")
	r = paired("g_mt_deliver", "k_mt_deliver")
	row("delivered/s end to end", num(f["k_mt_deliver"]),
	    num(f["g_mt_deliver"]), sprintf("%.2f", r), ">= " del_ratio "x",
	    verdict(r >= del_ratio) each("g_mt_deliver", "k_mt_deliver"))
	dev = rate > 0 ? 100 * (f["g_rate"] - rate) / rate : 0
	row("rate limit " rate "/s measured", "-", sprintf("%.1f", f["g_rate"]),
	    sprintf("%+.1f%%", dev), "+-" rate_pct "%",
	    verdict(dev <= rate_pct && dev >= -rate_pct))
	row("peak RSS MiB, MO load", sprintf("%.1f", f["k_mo_rss"] / 1024),
	    sprintf("%.1f", f["g_mo_rss"] / 1024),
	    sprintf("%.2f", ratio(f["g_mo_rss"], f["k_mo_rss"])), "(report)", "")
	row("peak RSS MiB, MT load", sprintf("%.1f", f["k_mt_rss"] / 1024),
	    sprintf("%.1f", f["g_mt_rss"] / 1024),
	    sprintf("%.2f", ratio(f["g_mt_rss"], f["k_mt_rss"])), "(report)", "")
	for (k in n)
		if (k ~ /^other_/ && peak(k) > other)
			other = peak(k)
	if (other > 0.15)
		printf "\nWARNING: other processes (or kernel threads) used " \
		    "up to %.2f cores during a phase; if another job ran, the " \
		    "figures and ratios are unreliable: run again on an idle " \
		    "machine.\n", other
}' "$FIGURES"
printf '\nKannel RSS is bearerbox + smsbox; MO/s: Kannel from the first to the last get-url at the sink,\n'
printf 'the gateway requests/s of the closed loop; delivered/s: first to last message at fakesmsc / the sink.\n'
printf 'whole run: %s s\n' "$(($(date +%s) - t0))"
exit 0
