#!/usr/bin/env python3
"""repro_disk_full.py: the two full-disk bugs the chaos soak found, each
alone, in a few seconds (needs the privilege to mount a tmpfs).

    python3 tests/soak/repro_disk_full.py BIN_DIR

1. stuck-sending: the gateway sends 3,000 /cgi-bin/sendsms messages of
   600 characters through an http_json provider (tests/soak/sink.py) at
   300/s; the database's file system is full for 4 s in the middle (the
   WAL reuses its pages after a checkpoint, so the writes must outgrow
   them: hence long texts).  30 s later every message should be final;
   the outcomes the sender could not write are lost instead, their
   messages stay "sending" until the gateway is restarted, and are then
   sent a second time.
2. registry-refused: the bridge gets a registry upsert of 1,000
   households over MQTT while the file system is full: it cannot store
   it, acknowledges it anyway (reporting "not applied" on <root>/errors),
   and the update is gone once the disk has room again: the broker has
   nothing left to deliver.

Exit 1 when a bug shows (both did until issue 14 fixed them; the
disk_full suite tests each without a tmpfs), 0 when neither, 69 when it
cannot mount.  Everything is stopped by PID and unmounted.
"""
import asyncio
import collections
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402  (Proc, Conn, free_port)


def sql(db, q):
    return subprocess.run(["sqlite3", "-cmd", ".timeout 5000", db, q],
                          stdout=subprocess.PIPE, text=True).stdout.split()


def remount(d, size, check=True):
    return subprocess.run(["mount", "-o", "remount,size=%d" % size, d],
                          stderr=subprocess.DEVNULL,
                          check=check).returncode == 0


def fill(d):
    """Shrink the tmpfs to what it holds (which may grow meanwhile)."""
    for _ in range(50):
        st = os.statvfs(d)
        if remount(d, (st.f_blocks - st.f_bfree) * st.f_frsize + (64 << 10),
                   check=False):
            return
    raise RuntimeError("cannot shrink the tmpfs")


def stuck_sending(bin_dir, w, d, size):
    gp, sp = soak.free_port(), soak.free_port()
    conf = os.path.join(w, "gw.conf")
    with open(conf, "w") as f:
        f.write('database = { path = "%s/fupin.db"; durability = "full"; '
                'id_key_file = "%s/id.key"; };\n'
                'http = { listen = "127.0.0.1:%d"; };\n'
                'sms = { provider = "sink"; };\n'
                'providers = ( { name = "sink"; type = "http_json"; url = '
                '"http://127.0.0.1:%d/sms/send"; token = "t"; rate = 300; '
                '} );\napi = { tokens = ( { name = "repro"; token_sha256 = '
                '"%s"; role = "admin"; } ); };\ntemplates = { dir = '
                '"%s/templates"; };\n' %
                (d, w, gp, sp, hashlib.sha256(b"repro-token").hexdigest(),
                 soak.ROOT))
    soak.run([os.path.join(bin_dir, "fupinctl"), "-c", conf, "migrate"],
             "migrate")
    sink = soak.Proc("sink", [sys.executable, os.path.join(soak.HERE,
                                                           "sink.py"),
                              str(sp), os.path.join(w, "sink.log")],
                     os.path.join(w, "sink.out"))
    gw = soak.Proc("gateway", [os.path.join(bin_dir, "fupin-gateway"), "-c",
                               conf], os.path.join(w, "gateway.log"))
    sink.start()
    gw.start()
    time.sleep(1)
    codes = collections.Counter()

    async def send():
        pool = soak.Pool(gp, 8)

        async def one(i):
            q = urllib.parse.urlencode({"username": "repro", "password":
                                        "repro-token", "to": "1390000%04d" %
                                        i, "text": ("repro %d " % i) * 60})
            st, _ = await pool.request("GET", "/cgi-bin/sendsms?" + q)
            codes[st] += 1
        tasks = []
        t0 = time.monotonic()
        for i in range(3000):
            tasks.append(asyncio.ensure_future(one(i)))
            await asyncio.sleep(max(0, t0 + i / 300 - time.monotonic()))
            if i == 1000:
                fill(d)
            if i == 2200:
                remount(d, size)
        await asyncio.gather(*tasks)
        pool.close()
    asyncio.run(send())
    time.sleep(30)
    by = dict(r.split("|") for r in sql(
        d + "/fupin.db", "SELECT status, count(*) FROM sms_out GROUP BY 1"))
    print("1. stuck-sending: %d accepted (202); 30 s after the disk came "
          "back: %s" % (codes[202], by))
    gw.stop()
    gw.start()
    time.sleep(5)
    gw.stop()
    sink.stop()
    ok = collections.Counter()
    with open(os.path.join(w, "sink.log")) as f:
        for line in f:
            p = line.split()
            if p[1] == "ok":
                ok[p[2]] += 1
    twice = sum(1 for n in ok.values() if n > 1)
    by2 = dict(r.split("|") for r in sql(
        d + "/fupin.db", "SELECT status, count(*) FROM sms_out GROUP BY 1"))
    print("   after a restart: %s; delivered twice at the provider: %d" %
          (by2, twice))
    return int(by.get("sending", 0)) > 0


def registry_refused(bin_dir, w, d, size):
    mp = soak.free_port()
    conf = os.path.join(w, "br.conf")
    with open(conf, "w") as f:
        f.write('database = { path = "%s/br.db"; id_key_file = '
                '"%s/id2.key"; };\nmqtt = { uri = "tcp://127.0.0.1:%d"; '
                'client_id = "repro-bridge"; };\n' % (d, w, mp))
    soak.run([os.path.join(bin_dir, "fupinctl"), "-c", conf, "migrate"],
             "migrate")
    with open(os.path.join(w, "mq.conf"), "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\n" % mp)
    mq = soak.Proc("mosquitto", [shutil.which("mosquitto") or
                                 "/usr/sbin/mosquitto", "-c",
                                 os.path.join(w, "mq.conf")],
                   os.path.join(w, "mq.log"))
    br = soak.Proc("bridge", [os.path.join(bin_dir, "fupin-bridge"), "-c",
                              conf], os.path.join(w, "bridge.log"))
    mq.start()
    time.sleep(0.5)
    br.start()
    time.sleep(1.5)

    def pub(n):
        recs = ",".join('{"household_id":"HREPRO%d-%04d","area_code":'
                        '"513431100201","head_name":"R","members":1,'
                        '"status":"poor"}' % (n, i) for i in range(1000))
        subprocess.run(["mosquitto_pub", "-p", str(mp), "-q", "1", "-t",
                        "fupin/v1/registry/households", "-m",
                        '{"event_id":"repro-%d","op":"upsert","records":[%s]}'
                        % (n, recs)], check=True)
    pub(1)
    time.sleep(1)
    fill(d)
    pub(2)
    time.sleep(2)
    remount(d, size)
    time.sleep(2)
    br.stop()       # and again: nothing is left with the broker
    br.start()
    time.sleep(3)
    br.stop()
    mq.stop()
    have = sql(d + "/br.db", "SELECT substr(household_id, 1, 7), count(*) "
               "FROM households GROUP BY 1 ORDER BY 1")
    with open(os.path.join(w, "bridge.log")) as f:
        refused = [line.strip() for line in f if "registry.rejected" in line]
    print("2. registry-refused: households stored: %s (want HREPRO1|1000 "
          "HREPRO2|1000); the bridge said: %s" % (" ".join(have) or "none",
                                                  refused[0] if refused else
                                                  "nothing"))
    return "HREPRO2|1000" not in have


def main():
    if len(sys.argv) != 2:
        soak.die(64, "usage: python3 tests/soak/repro_disk_full.py BIN_DIR")
    bin_dir = os.path.abspath(sys.argv[1])
    w = tempfile.mkdtemp(prefix="fupin-repro.")
    d = os.path.join(w, "db")
    os.mkdir(d)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "repro",
                       d]).returncode != 0:
        shutil.rmtree(w)
        soak.die(69, "cannot mount a tmpfs (root needed)")
    st = os.statvfs(d)
    size = st.f_blocks * st.f_frsize
    try:
        bugs = [stuck_sending(bin_dir, w, d, size),
                registry_refused(bin_dir, w, d, size)]
    finally:
        soak.stop_everything()
        subprocess.run(["umount", d])
        shutil.rmtree(w, ignore_errors=True)
    print("reproduced: %s" % (", ".join(
        n for n, b in zip(("stuck-sending", "registry-refused"), bugs) if b)
        or "neither"))
    return 1 if any(bugs) else 0


if __name__ == "__main__":
    sys.exit(main())
