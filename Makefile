# Fupin Gateway: top-level build.
#   make            build bin/fupin-gateway, bin/fupin-bridge, bin/fupinctl
#   make run        install deps, build, migrate, load demo data, start on loopback
#   make check      install deps, check the layout, build, run every test
#                   (plain, with the clock 3 years ahead, ASan+UBSan,
#                   valgrind), cppcheck
#   make test SUITE=outbox   build and run one suite
#   make lint-layout         the parts' includes point one way
#   make analyze    gcc -fanalyzer over the programs
#   make bench      registry import (1M households, 3M members); SMS and USSD
#                   against Debian's Kannel (MO, flood, sendsms, USSD: five
#                   alternating rounds; make bench-sms runs that table alone)
#   make fuzz       libFuzzer harnesses with clang (FUZZ_SECONDS each)
#   make soak       load and faults against the real programs, then the
#                   invariants (SOAK_MINUTES, default 10; tests/soak/soak.py)
#   make test-browser  the console in headless Chromium (tests/browser/)
#   make install    PREFIX=/usr/local
#   make deps       apt-get install what is missing (idempotent)

PREFIX    ?= /usr/local
BUILD     ?= build
BIN       ?= bin
CC        ?= cc
CFLAGS    ?= -O2 -g
WERROR    ?= -Werror
WARN       = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Wundef
ifeq ($(SANITIZE),)
HARDEN     = -fstack-protector-strong -D_FORTIFY_SOURCE=2
else
HARDEN     = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif
PKGS       = libmicrohttpd libcurl sqlite3 libconfig json-c libsodium libcrypto
VERSION    = 0.1.0
GIT_REV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# The parts, lowest first; a part sees the headers of the parts it may
# use and no other (make lint-layout checks the same over the sources):
#   common <- core <- http <- send, ussd <- sms (uses ussd), api (uses send)
#   <- gateway/ (main.c, the route table); ctl uses core and ussd;
#   the bridge uses core only.
I_CORE     = -Icommon -Igateway/core
I_HTTP     = $(I_CORE) -Igateway/http
I_ALL      = $(I_HTTP) $(addprefix -Igateway/,send ussd sms api ctl) -Igateway
INC        = $(I_ALL)
$(BUILD)/common/%.o:          INC = -Icommon
$(BUILD)/gateway/core/%.o:    INC = $(I_CORE)
$(BUILD)/gateway/http/%.o:    INC = $(I_HTTP)
$(BUILD)/gateway/send/%.o:    INC = $(I_CORE) $(SMPP_CFLAGS)
$(BUILD)/gateway/ussd/%.o:    INC = $(I_HTTP)
$(BUILD)/gateway/sms/%.o:     INC = $(I_HTTP) -Igateway/ussd
$(BUILD)/gateway/api/%.o:     INC = $(I_HTTP) -Igateway/send
$(BUILD)/gateway/ctl/%.o:     INC = $(I_CORE) -Igateway/ussd
$(BUILD)/broker-bridge/%.o:   INC = $(I_CORE)

ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(WERROR) \
             $(HARDEN) $(CFLAGS) $(INC) -MMD -MP \
             -DFP_VERSION='"$(VERSION)"' -DFP_GIT_REV='"$(GIT_REV)"' \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
pkglibs    = $(shell pkg-config --libs $(1) 2>/dev/null)
LIBS       = $(call pkglibs,$(PKGS)) -lpthread -lm
CTL_LIBS   = $(call pkglibs,libcurl sqlite3 libconfig json-c libsodium) -lpthread
# Debian's Paho ships no .pc file: the one place we name it.
PAHO_LIBS  = -lpaho-mqtt3as
# libsmpp34 packs and unpacks the smpp provider's PDUs: linked into the
# gateway and the tests only; -isystem, its headers are not written for
# our warnings.
SMPP_CFLAGS = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libsmpp34 2>/dev/null))
SMPP_LIBS  = $(call pkglibs,libsmpp34)
BR_LIBS    = $(call pkglibs,sqlite3 libconfig json-c) $(PAHO_LIBS) -lpthread
CHECK_LIBS = $(call pkglibs,check)

COMMON_SRC = $(wildcard common/*.c)
CORE_SRC   = $(wildcard gateway/core/*.c)
GW_MAIN    = gateway/main.c
GW_SRC     = $(foreach p,http send ussd sms api,$(wildcard gateway/$(p)/*.c)) \
             $(filter-out $(GW_MAIN),$(wildcard gateway/*.c))
CTL_SRC    = $(wildcard gateway/ctl/*.c)
BR_SRC     = $(wildcard broker-bridge/*.c)
UNIT_SRC   = $(wildcard tests/unit/*.c tests/integration/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJ = $(call obj,$(COMMON_SRC))
CORE_OBJ   = $(call obj,$(CORE_SRC))
GW_OBJ     = $(call obj,$(GW_SRC))
CTL_OBJ    = $(call obj,$(CTL_SRC))
BR_OBJ     = $(call obj,$(BR_SRC))
UNIT_OBJ   = $(call obj,$(UNIT_SRC))
# Link order: a part before the parts it uses.
GW_LIBS    = $(BUILD)/libgateway.a $(BUILD)/libcore.a $(BUILD)/libfupin.a

PROGS = $(BIN)/fupin-gateway $(BIN)/fupin-bridge $(BIN)/fupinctl

.PHONY: all libs-present deps run check test test-clock valgrind-test cppcheck lint-layout \
        bench bench-sms fuzz install clean analyze demo-db soak test-browser web-vendor

all: libs-present $(PROGS) web-vendor

# The console's charts: Debian's Chart.js copied into web/vendor/ (the
# gateway serves nothing from outside console.dir, symlinks included).
CHART_JS = /usr/share/javascript/chart.js/chart.min.js
web-vendor:
	@if [ -f $(CHART_JS) ]; then \
	  cmp -s $(CHART_JS) web/vendor/chart.js/chart.min.js || { \
	    mkdir -p web/vendor/chart.js && \
	    cp $(CHART_JS) web/vendor/chart.js/chart.min.js; }; \
	else echo "make: the console's charts need libjs-chart.js (make deps)"; fi

# `make` on a machine without the -dev packages would stop at the first
# missing header: say which packages are missing and how to get them.
libs-present:
	@missing=; for p in $(PKGS) libsmpp34; do \
	  pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	[ -f /usr/include/MQTTAsync.h ] || missing="$$missing paho-mqtt"; \
	command -v pkg-config >/dev/null || missing="pkg-config $$missing"; \
	if [ -n "$$missing" ]; then \
	  echo "make: missing libraries:$$missing"; \
	  echo "make: run 'make deps' (apt-get install of what is missing), or 'make run' / 'make check', which do it first"; \
	  exit 1; fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

# Archives are made afresh: a member whose source is gone must not stay.
$(BUILD)/libfupin.a: $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/libcore.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/libgateway.a: $(GW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/fupin-gateway: $(call obj,$(GW_MAIN)) $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMPP_LIBS) $(LIBS)
# fupinctl takes the USSD menu's objects from libgateway.a (the phone
# simulator and templates check); no HTTP server is linked.
$(BIN)/fupinctl: $(CTL_OBJ) $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)
# The bridge: common and core only (no libmicrohttpd, no libcurl).
$(BIN)/fupin-bridge: $(BR_OBJ) $(BUILD)/libcore.a $(BUILD)/libfupin.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(BR_LIBS)

# The test runner finds every suite by its constructor's name.
$(BUILD)/suites.h: $(UNIT_SRC)
	@mkdir -p $(BUILD)
	grep -ho '^[a-z0-9_]*_suite(void)' $(UNIT_SRC) | sed 's/(void)//' | sort -u | \
	  sed 's/.*/SUITE(&)/' > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/unit/check_main.o: $(BUILD)/suites.h
$(BUILD)/tests/%.o: INC = $(I_ALL) -I$(BUILD) -Itests/unit -Itests/integration
$(BUILD)/tests/%.o: ALL_CFLAGS += -Wno-missing-prototypes $(shell pkg-config --cflags check)

$(BIN)/check_unit: $(UNIT_OBJ) $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMPP_LIBS) $(LIBS) $(CHECK_LIBS)

# Replays the fuzz corpora through the harnesses under gcc (no libFuzzer).
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(patsubst tests/fuzz/%.c,$(BIN)/replay_%,$(FUZZ_SRC))
$(BIN)/replay_%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay_main.o $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMPP_LIBS) $(LIBS)

BENCH_GEN = $(BIN)/gen_registry $(BIN)/loadgen $(BIN)/mqtt_pub $(BIN)/smpp_drive
# The cmpp provider alone against the simulator (bench/cmpp_bench.sh).
$(BIN)/cmpp_drive: $(BUILD)/bench/cmpp_drive.o $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMPP_LIBS) $(LIBS)
# The smpp provider alone against an SMSC (bench/smpp_bench.sh).
$(BIN)/smpp_drive: $(BUILD)/bench/smpp_drive.o $(GW_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMPP_LIBS) $(LIBS)
$(BIN)/mqtt_pub: $(BUILD)/bench/mqtt_pub.o
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(PAHO_LIBS) -lpthread
$(BIN)/loadgen: $(BUILD)/bench/loadgen.o $(BUILD)/bench/loadgen_client.o $(BUILD)/bench/loadgen_sink.o $(BUILD)/bench/loadgen_tmpl.o $(BUILD)/bench/loadgen_answer.o $(BUILD)/libfupin.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BIN)/gen_registry: $(BUILD)/bench/gen_registry.o $(BUILD)/libfupin.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- packages ----------------------------------------------------------------
DEB_PKGS = gcc make pkg-config libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev \
           sqlite3 libconfig-dev check libsubunit-dev libpaho-mqtt-dev mosquitto \
           mosquitto-clients libjson-c-dev libssl-dev valgrind cppcheck clang \
           libclang-rt-14-dev tzdata ca-certificates openssl curl kannel kannel-extras \
           procps time faketime python3 libsodium-dev \
           libsmpp34-dev libnet-smpp-perl nodejs $(NPM_PKG) \
           chromium chromium-driver python3-selenium libjs-chart.js \
           fonts-wqy-microhei fonts-sil-nuosusil fonts-tibetan-machine

# npm runs tests/smsc's SMSC (node-smpp): Debian's npm, unless a nodejs
# that ships its own (NodeSource's conflicts with Debian's npm) is here.
NPM_PKG = $(if $(shell command -v npm 2>/dev/null),,npm)

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

# ---- run ---------------------------------------------------------------------
RUN_CONF ?= config/fupin.conf
demo-db: all
	$(BIN)/fupinctl -c $(RUN_CONF) migrate
	@for k in cadres households members enrollments trainings payments; do \
	  $(BIN)/fupinctl -c $(RUN_CONF) import $$k data/demo/$$k.csv || exit $$?; done

# make run: the gateway in the foreground; beside it Debian's mosquitto on
# loopback (its own config and data under var/) and the bridge, both
# stopped when the gateway stops (Ctrl-C).
run: deps
	@$(MAKE) --no-print-directory demo-db
	@mkdir -p var/mosquitto
	@# `user` keeps mosquitto as whoever runs make (as root it would switch to
	@# the mosquitto user, who cannot write var/).
	@printf 'user %s\nlistener 1883 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location var/mosquitto/\nlog_dest file var/mosquitto.log\n' "$$(id -un)" > var/mosquitto.conf
	@listen=$$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' $(RUN_CONF) | head -n 1); \
	url="http://$${listen:-127.0.0.1:8080}"; \
	mosquitto -c var/mosquitto.conf & mq=$$!; sleep 0.5; \
	if ! kill -0 $$mq 2>/dev/null; then \
	  echo "(port 1883 is taken: using the mosquitto already running there)"; mq=; fi; \
	$(BIN)/fupin-bridge -c $(RUN_CONF) 2> var/bridge.log & br=$$!; \
	trap 'kill $$br $$mq 2>/dev/null; wait 2>/dev/null' EXIT INT TERM; \
	echo; \
	echo "Fupin Gateway is starting on $$url with the demo registry (Ctrl-C stops it)."; \
	echo "Try, from another terminal:"; \
	echo "  curl -s $$url/healthz"; \
	echo "  curl -s -d 'from=13908340107&text=CX' $$url/sms/inbound"; \
	echo "  tail -n 1 var/outbox.jsonl            # the reply, from the file provider"; \
	echo "  $(BIN)/fupinctl -c $(RUN_CONF) phone 13908340107   # the USSD menu on a phone"; \
	echo "  curl -s -H 'Authorization: Bearer demo-admin-token' -d '{\"template\":\"general_notice\",\"vars\":{\"text\":\"明天开会\"},\"audience\":{\"area\":\"5134\"},\"dry_run\":true}' $$url/api/v1/broadcasts"; \
	echo "  mosquitto_sub -t 'fupin/v1/#' -v      # events relayed by the bridge"; \
	echo "  curl -s $$url/metrics"; \
	echo "Demo phone numbers and households: data/demo/README.md"; \
	echo; \
	sh tools/demo-users $(BIN)/fupinctl $(RUN_CONF) "$$url" || exit $$?; \
	echo; \
	$(BIN)/fupin-gateway -c $(RUN_CONF)

# ---- tests -------------------------------------------------------------------
check: deps
	$(MAKE) lint-layout
	$(MAKE) -j2 test
	$(MAKE) test-browser
	$(MAKE) test-clock
	$(MAKE) -j2 BUILD=build/asan BIN=bin/asan SANITIZE=address,undefined test
	$(MAKE) valgrind-test
	$(MAKE) cppcheck
	$(MAKE) soak SOAK_MINUTES=2

# tests/smsc: the smpp suite's SMSC, node-smpp from the npm registry as
# package-lock.json pins it; npm ci only when the lock is newer than
# what node_modules holds (offline, the suite then says what is missing).
SMSC_MODULES = tests/smsc/node_modules/.package-lock.json
$(SMSC_MODULES): tests/smsc/package-lock.json tests/smsc/package.json
	@cd tests/smsc && npm ci --no-audit --no-fund --ignore-scripts \
	  --loglevel=error || echo "make: npm ci in tests/smsc failed: the \
	  smpp suite will fail (no SMSC)"

# make test SUITE=outbox builds and runs that one suite (names: the
# *_suite constructors in tests/, or bin/check_unit's output).
ifeq ($(SUITE),)
test: all $(BIN)/check_unit $(FUZZ_REPLAY) $(SMSC_MODULES)
	$(BIN)/fupinctl -c config/fupin.conf templates check
	FUPIN_BIN=$(BIN) $(BIN)/check_unit
	@for r in $(FUZZ_REPLAY); do n=$${r##*/replay_}; \
	  $$r tests/fuzz/corpus/$$n || exit 1; done
else
test: all $(BIN)/check_unit $(SMSC_MODULES)
	FUPIN_BIN=$(BIN) CK_RUN_SUITE=$(SUITE) $(BIN)/check_unit
endif

# The console in headless Chromium (Debian's chromium, chromium-driver and
# python3-selenium, which only /usr/bin/python3 sees); screenshots in
# $(BUILD)/browser-shots.
test-browser: all
	/usr/bin/python3 tests/browser/console_test.py $(BIN) $(BUILD)/browser-shots

# The parts' includes point one way, and the check catches what it must.
lint-layout:
	sh tests/layout/lint_layout_test.sh

# The suites again with the clock three years ahead (Debian's libfaketime,
# inherited by the gateway, bridge and Kannel the tests start): no test may
# depend on the date it runs.
test-clock: all $(BIN)/check_unit $(SMSC_MODULES)
	FUPIN_BIN=$(BIN) faketime '+3 years' $(BIN)/check_unit

valgrind-test: all $(BIN)/check_unit $(SMSC_MODULES)
	CK_FORK=no FUPIN_BIN=$(BIN) FUPIN_VALGRIND=1 valgrind -q --leak-check=full \
	  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	  --suppressions=tests/valgrind.supp $(BIN)/check_unit

cppcheck:
	cppcheck -q --error-exitcode=1 --enable=warning,portability,performance \
	  --std=c11 --inline-suppr $(I_ALL) -D__GNUC__ \
	  --suppress=missingIncludeSystem common gateway broker-bridge bench tests/unit tests/integration tests/fuzz

analyze:
	$(MAKE) BUILD=build/analyze CFLAGS="-O1 -g -fanalyzer" all

# ---- bench -------------------------------------------------------------------
bench: deps all $(BENCH_GEN) $(SMSC_MODULES)
	@sh bench/import_bench.sh $(BIN)
	@sh bench/sms_bench.sh $(BIN)
	@sh bench/ussd_bench.sh $(BIN)
	@sh bench/broadcast_bench.sh $(BIN)
	@sh bench/console_bench.sh $(BIN)
	@sh bench/relay_bench.sh $(BIN)
	@sh bench/smpp_bench.sh $(BIN)
	@/usr/bin/python3 bench/console_page_bench.py $(BIN)
	@$(MAKE) --no-print-directory $(BIN)/cmpp_drive && sh bench/cmpp_bench.sh $(BIN)

# Issue 14's table alone: SMS and USSD against Kannel, five rounds (BENCH_ROUNDS).
bench-sms: all $(BIN)/loadgen
	@sh bench/sms_bench.sh $(BIN)

# ---- soak --------------------------------------------------------------------
# Load and faults (SIGKILLs, a failing provider, a full disk) for
# SOAK_MINUTES, then the invariants as a table; see docs/testing.md.
# The full-disk fault is required (1): without the privilege to mount a
# tmpfs the soak stops with 69 instead of passing without it; a machine
# that cannot gives SOAK_DISK_FAULT=0 and gets a SKIP row for it.
SOAK_MINUTES ?= 10
SOAK_DISK_FAULT ?= 1
soak: deps all $(BIN)/gen_registry
	SOAK_MINUTES=$(SOAK_MINUTES) SOAK_DISK_FAULT=$(SOAK_DISK_FAULT) \
	  python3 tests/soak/soak.py $(BIN)

# ---- fuzz (clang + libFuzzer) ---------------------------------------------------
FUZZ_SECONDS ?= 30
fuzz: deps
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  $(MAKE) --no-print-directory CC=clang BUILD=build/fuzz BIN=bin/fuzz \
	    SANITIZE=fuzzer-no-link,address,undefined build/fuzz/libgateway.a build/fuzz/libcore.a build/fuzz/libfupin.a >/dev/null || exit 1; \
	  mkdir -p bin/fuzz; \
	  clang -fsanitize=fuzzer,address,undefined $(I_ALL) -o bin/fuzz/$$n $$f \
	    build/fuzz/libgateway.a build/fuzz/libcore.a build/fuzz/libfupin.a $(SMPP_LIBS) $(LIBS) || exit 1; \
	  mkdir -p build/fuzz/corpus/$$n; \
	  bin/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# ---- install -----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/fupin/templates \
	  $(DESTDIR)$(PREFIX)/share/fupin/web \
	  $(DESTDIR)$(PREFIX)/share/doc/fupin \
	  $(DESTDIR)/lib/systemd/system $(DESTDIR)/usr/lib/sysusers.d
	install -d -m 0750 $(DESTDIR)/etc/fupin
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/fupin/
	install -m 0644 systemd/fupin.sysusers $(DESTDIR)/usr/lib/sysusers.d/fupin.conf
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/fupin/templates/
	@# The console's pages (console.dir); never a user or a password.
	cp -R web/. $(DESTDIR)$(PREFIX)/share/fupin/web/
	@# The config without the demo token (tools/install-config fails if a
	@# token or secret is left), readable by root and group fupin only.
	[ -f $(DESTDIR)/etc/fupin/fupin.conf ] || { \
	  umask 027 && sh tools/install-config config/fupin.conf $(PREFIX) \
	    > $(DESTDIR)/etc/fupin/fupin.conf.new && \
	  chmod 0640 $(DESTDIR)/etc/fupin/fupin.conf.new && \
	  mv $(DESTDIR)/etc/fupin/fupin.conf.new $(DESTDIR)/etc/fupin/fupin.conf; }
	sed 's|/usr/local|$(PREFIX)|g' systemd/fupin-gateway.service > $(DESTDIR)/lib/systemd/system/fupin-gateway.service
	sed 's|/usr/local|$(PREFIX)|g' systemd/fupin-bridge.service > $(DESTDIR)/lib/systemd/system/fupin-bridge.service
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
	  systemd-sysusers /usr/lib/sysusers.d/fupin.conf && \
	  chgrp fupin /etc/fupin /etc/fupin/fupin.conf; fi

clean:
	rm -rf build bin
