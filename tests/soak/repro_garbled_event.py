#!/usr/bin/env python3
"""repro_garbled_event.py: try to make the soak's "garbled-event" happen
alone: an event that reached the subscriber with its first 8 bytes
overwritten, seen once after a mosquitto SIGKILL.

    python3 tests/soak/repro_garbled_event.py BIN_DIR [SECONDS [KILL_EVERY]]

The bridge (BIN_DIR/fupin-bridge) relays events written straight into
its event outbox, 2,000 a second with payloads of 200 to 500 bytes,
while Debian's mosquitto (persistence, autosave every second) is
SIGKILLed and restarted every KILL_EVERY seconds (6) for SECONDS (240); a
persistent QoS 1 mosquitto_sub writes every payload to a file.  Then
every line must be JSON naming an event of the outbox.  A SIGKILL may
lose what mosquitto took in its last second (it saves once a second):
missing events are counted, not a failure.

Exit 1 when a line is garbled (the first ones are printed), 0 when none
is.  Everything runs in a temporary directory and is stopped by PID.
Last run (2026-12-06, Paho 1.3.12, mosquitto 2.0.11): 40 kills, 409,400
events, none garbled.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402  (Proc, free_port, die)


def main():
    if len(sys.argv) not in (2, 3, 4):
        soak.die(64, "usage: python3 tests/soak/repro_garbled_event.py "
                 "BIN_DIR [SECONDS [KILL_EVERY]]")
    bin_dir = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    every = float(sys.argv[3]) if len(sys.argv) > 3 else 6.0
    w = tempfile.mkdtemp(prefix="fupin-garbled.")
    port = soak.free_port()
    os.mkdir(os.path.join(w, "mq"))
    with open(os.path.join(w, "mq.conf"), "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                "persistence true\npersistence_location %s/mq/\n"
                "autosave_interval 1\nmax_queued_messages 0\n" % (port, w))
    conf = os.path.join(w, "br.conf")
    with open(conf, "w") as f:
        f.write('node_id = "g1";\ndatabase = { path = "%s/fupin.db"; '
                'id_key_file = "%s/id.key"; };\nmqtt = { uri = '
                '"tcp://127.0.0.1:%d"; client_id = "garbled-bridge"; };\n'
                'templates = { dir = "%s/templates"; };\n' %
                (w, w, port, soak.ROOT))
    soak.run([os.path.join(bin_dir, "fupinctl"), "-c", conf, "migrate"],
             "migrate")
    mq = soak.Proc("mosquitto", [shutil.which("mosquitto") or
                                 "/usr/sbin/mosquitto", "-c",
                                 os.path.join(w, "mq.conf")],
                   os.path.join(w, "mq.log"))
    br = soak.Proc("bridge", [os.path.join(bin_dir, "fupin-bridge"), "-c",
                              conf], os.path.join(w, "bridge.log"))
    sub = soak.Proc("subscriber", [
        "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
        "-c", "-i", "garbled-sub", "-t", "fupin/v1/events/#", "-F", "%p"],
        os.path.join(w, "events.jsonl"))
    stop = threading.Event()

    def inject():
        db = sqlite3.connect(os.path.join(w, "fupin.db"), timeout=10)
        n = 0
        while not stop.is_set():
            rows = [(str(uuid.uuid4()), "sms.status" if i % 2 else
                     "sms.inbound", "2026-12-06T00:00:00Z",
                     json.dumps({"seq": n + i, "pad": "x" *
                                 (100 + (n + i) % 300)}))
                    for i in range(200)]
            db.executemany("INSERT INTO event_outbox(event_id, type, "
                           "occurred_at, data) VALUES (?, ?, ?, ?)", rows)
            db.commit()
            n += 200
            time.sleep(0.1)
        db.close()

    kills = 0
    try:
        mq.start()
        time.sleep(0.5)
        br.start()
        sub.start()
        time.sleep(1)
        t = threading.Thread(target=inject)
        t.start()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(every)
            mq.kill()
            mq.start()
            kills += 1
        stop.set()
        t.join()
        time.sleep(min(60, 10 + seconds / 4))   # the rest is relayed
        br.stop()
        sub.stop(signal.SIGINT)
        mq.stop()
        db = sqlite3.connect(os.path.join(w, "fupin.db"))
        ids = {r[0] for r in db.execute("SELECT event_id FROM event_outbox")}
        db.close()
        got, bad = set(), []
        with open(os.path.join(w, "events.jsonl"), "rb") as f:
            for line in f:
                try:
                    e = json.loads(line)["event_id"]
                    if e in ids:
                        got.add(e)
                        continue
                except (ValueError, KeyError, TypeError):
                    pass
                bad.append(line)
    finally:
        stop.set()
        soak.stop_everything()
    print("%d mosquitto SIGKILLs, %d events, %d received, %d missing, %d "
          "garbled" % (kills, len(ids), len(got), len(ids) - len(got),
                       len(bad)))
    for line in bad[:5]:
        print("  garbled: %r" % line[:120])
    if not bad:
        shutil.rmtree(w, ignore_errors=True)
    else:
        print("kept: %s" % w)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
