#!/bin/sh
# The layout check passes on the tree and fails on a copy given an upward
# include, an include cycle, or a header no part has.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
lint="$root/tools/lint-layout"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$lint" "$root"

fails() {	# fails NAME EXPECTED: the copy in $tmp/t must fail saying EXPECTED
	if out=$("$lint" "$tmp/t"); then
		echo "lint-layout test: $1 was not caught" >&2
		exit 1
	fi
	case "$out" in
	*"$2"*) echo "lint-layout test: $1 caught" ;;
	*) echo "lint-layout test: $1: expected '$2' in: $out" >&2; exit 1 ;;
	esac
}
fresh() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	cp -R "$root/common" "$root/gateway" "$root/broker-bridge" "$tmp/t/"
}

fresh
printf '#include "http_server.h"\n' >> "$tmp/t/gateway/core/outbox.c"
fails "core including http" "gateway/core/outbox.c:"

fresh
printf '#include "sms_cmd.h"\n' >> "$tmp/t/broker-bridge/main.c"
fails "the bridge including sms" "bridge may not include gateway/sms/sms_cmd.h"

fresh
printf '#include "ussd_engine.h"\n' >> "$tmp/t/gateway/send/sender.c"
fails "a sibling (send -> ussd)" "send may not include"

fresh
printf '#include "writer.h"\n' >> "$tmp/t/gateway/core/schedule.c"
printf '#include "schedule.h"\n' >> "$tmp/t/gateway/core/writer.c"
fails "a cycle inside core" "include cycle"

fresh
printf '#include "nowhere.h"\n' >> "$tmp/t/gateway/core/gw.c"
fails "a header no part has" "which no part has"
