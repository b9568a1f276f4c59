#!/usr/bin/env python3
"""cmpp_sim.py: a China Mobile ISMG speaking CMPP 2.0, for the tests.

    python3 tests/sim/cmpp_sim.py --secret S [options]

Written from the specification (中国移动通信互联网短信网关接口协议 V2.0),
not from the gateway's codec, so that the two can disagree.  Python 3
standard library only (asyncio).  It listens on 127.0.0.1 (--port, 0: a
free one) and prints "READY <port>" on stdout once it does.

What it checks and answers:
  CMPP_CONNECT     Source_Addr and AuthenticatorSource = MD5(Source_Addr +
                   9 zero bytes + secret + Timestamp as 10 digits), the
                   version 0x20: CONNECT_RESP status 0 with
                   AuthenticatorISMG = MD5(status + AuthenticatorSource +
                   secret); status 2 (another Source_Addr) or 3 (wrong
                   authenticator), then it closes the connection.
  CMPP_SUBMIT      every field's width and the lengths; Msg_Fmt 8 content
                   of even length; TP_udhi 1 content starts with a UDH 05
                   00 03 ref total k that agrees with Pk_total/Pk_number;
                   at most 140 bytes (160 for Msg_Fmt 0).  Answered with a
                   Msg_Id of the specification's layout (month, day, hour,
                   minute, second, ISMG code, sequence) and Result 0,
                   or 8 (--throttle), after --resp-delay-ms.
  CMPP_ACTIVE_TEST answered (unless --mute-active-test).
  CMPP_TERMINATE   answered, then closed.
Anything the SP does wrong is logged as an "error" event.

Options:
  --port N             listen port (0: free)
  --source-addr SP     the SP id expected (default 901234)
  --secret S           the shared secret
  --log FILE           one JSON object per event (appended, line buffered)
  --resp-delay-ms N    hold each SUBMIT_RESP this long
  --throttle N         answer the first N submits with Result 8
  --mute-after N       on the first connection, after N submits, answer
                       nothing more (the link must notice and reconnect)
  --mute-active-test   on the first connection, never answer ACTIVE_TEST
  --bad-ismg-auth      send a wrong AuthenticatorISMG
  --report             a status report (DELIVER, Registered_Delivery 1)
                       for every accepted submit, Stat --report-stat
  --report-stat STAT   default DELIVRD
  --report-delay-ms N  after the SUBMIT_RESP (default 0)

Control lines on stdin:
  mo SRC DEST FMT UDHI HEX [MSGID]
                       a DELIVER (MO) on the newest connection (Msg_Id: a
                       new one, or MSGID: a repeat)
  raw HEX              these bytes as they are (a hostile ISMG)
  quit                 stop

Events (field "ev"): connect, submit (at receipt: conn, seq, outstanding,
pk_total, pk_number, udhi, fmt, dest, src_id, msg_src, service_id,
fee_usertype, fee_type, fee_code, reg, content hex), resp (conn, seq,
msg_id, result), active_test (answered), deliver (conn, seq, msg_id,
kind), deliver_resp (conn, seq, msg_id, result), terminate, close, error.
"""
import argparse
import asyncio
import hashlib
import json
import signal
import struct
import sys
import time

CONNECT = 0x00000001
CONNECT_RESP = 0x80000001
TERMINATE = 0x00000002
TERMINATE_RESP = 0x80000002
SUBMIT = 0x00000004
SUBMIT_RESP = 0x80000004
DELIVER = 0x00000005
DELIVER_RESP = 0x80000005
ACTIVE_TEST = 0x00000008
ACTIVE_TEST_RESP = 0x80000008

ISMG_CODE = 0x2A5F3  # 22 bits


def cstr(b):
    """A fixed-width octet string, NUL padding dropped."""
    return b.split(b"\0", 1)[0].decode("latin-1")


def pad(s, width):
    b = s.encode("latin-1") if isinstance(s, str) else s
    if len(b) > width:
        raise ValueError("too wide")
    return b + b"\0" * (width - len(b))


class Sim:
    def __init__(self, args):
        self.args = args
        self.log_fp = open(args.log, "a", buffering=1) if args.log else None
        self.conns = []
        self.n_conn = 0
        self.msg_seq = 0
        self.throttle_left = args.throttle
        self.submits_total = 0

    def log(self, **ev):
        ev["t"] = round(time.monotonic(), 4)
        if self.log_fp:
            self.log_fp.write(json.dumps(ev, ensure_ascii=False) + "\n")

    def new_msg_id(self):
        """Msg_Id as the specification lays it out."""
        self.msg_seq = (self.msg_seq + 1) & 0xFFFF
        if self.msg_seq == 0:
            self.msg_seq = 1
        now = time.gmtime(time.time() + 8 * 3600)
        return ((now.tm_mon << 60) | (now.tm_mday << 55) |
                (now.tm_hour << 50) | (now.tm_min << 44) |
                (now.tm_sec << 38) | (ISMG_CODE << 16) | self.msg_seq)


class Conn(asyncio.Protocol):
    def __init__(self, sim):
        self.sim = sim
        sim.n_conn += 1
        self.id = sim.n_conn
        self.buf = b""
        self.logged_in = False
        self.outstanding = 0
        self.seen_seq = set()
        self.submits = 0
        self.muted = False
        self.my_seq = 0x10000 * self.id
        self.closed = False
        self.reported = []

    # ---- transport ----
    def connection_made(self, tr):
        self.tr = tr
        self.sim.conns.append(self)

    def connection_lost(self, exc):
        self.closed = True
        if self in self.sim.conns:
            self.sim.conns.remove(self)
        self.sim.log(ev="close", conn=self.id)

    def send(self, cmd, seq, body=b""):
        if self.closed:
            return
        self.tr.write(struct.pack(">III", 12 + len(body), cmd, seq) + body)

    def error(self, why, **kw):
        self.sim.log(ev="error", conn=self.id, why=why, **kw)

    def data_received(self, data):
        self.buf += data
        while len(self.buf) >= 12:
            total, cmd, seq = struct.unpack(">III", self.buf[:12])
            if total < 12 or total > 4096:
                self.error("bad Total_Length", total=total)
                self.tr.close()
                return
            if len(self.buf) < total:
                return
            body = self.buf[12:total]
            self.buf = self.buf[total:]
            if self.muted:
                continue
            try:
                self.pdu(cmd, seq, body)
            except (ValueError, struct.error, IndexError) as e:
                self.error("malformed", cmd=cmd, detail=str(e))

    # ---- PDUs ----
    def pdu(self, cmd, seq, body):
        a = self.sim.args
        if cmd == CONNECT:
            return self.on_connect(seq, body)
        if not self.logged_in:
            self.error("PDU before login", cmd=cmd)
            return
        if cmd == SUBMIT:
            return self.on_submit(seq, body)
        if cmd == ACTIVE_TEST:
            if len(body) != 0:
                self.error("ACTIVE_TEST with a body")
            answered = not (a.mute_active_test and self.id == 1)
            self.sim.log(ev="active_test", conn=self.id, answered=answered)
            if answered:
                self.send(ACTIVE_TEST_RESP, seq, b"\0")
            return
        if cmd == ACTIVE_TEST_RESP:
            return
        if cmd == DELIVER_RESP:
            if len(body) != 9:
                self.error("DELIVER_RESP length", length=len(body))
                return
            msg_id, result = struct.unpack(">QB", body)
            self.sim.log(ev="deliver_resp", conn=self.id, seq=seq,
                         msg_id=msg_id, result=result)
            return
        if cmd == TERMINATE:
            self.sim.log(ev="terminate", conn=self.id)
            self.send(TERMINATE_RESP, seq)
            self.tr.close()
            return
        self.error("unexpected command", cmd=cmd)

    def on_connect(self, seq, body):
        a = self.sim.args
        if len(body) != 27:
            self.error("CONNECT length", length=len(body))
            self.tr.close()
            return
        src = body[0:6]
        auth = body[6:22]
        version = body[22]
        ts = struct.unpack(">I", body[23:27])[0]
        want = hashlib.md5(src.rstrip(b"\0") + b"\0" * 9 +
                           a.secret.encode() + b"%010d" % ts).digest()
        if cstr(src) != a.source_addr:
            status = 2
        elif auth != want:
            status = 3
        else:
            status = 0
        if version != 0x20:
            self.error("version", version=version)
        # The timestamp is the SP's local time (UTC+8), MMDDHHMMSS.
        mm, dd = ts // 100000000, ts // 1000000 % 100
        hh, mi, ss = ts // 10000 % 100, ts // 100 % 100, ts % 100
        if not (1 <= mm <= 12 and 1 <= dd <= 31 and hh < 24 and mi < 60 and
                ss < 60):
            self.error("timestamp", timestamp=ts)
        self.sim.log(ev="connect", conn=self.id, source_addr=cstr(src),
                     version=version, timestamp=ts, status=status)
        if status == 0:
            ismg = hashlib.md5(bytes([0]) + auth + a.secret.encode()).digest()
            if a.bad_ismg_auth:
                ismg = bytes(16)
            self.send(CONNECT_RESP, seq, bytes([0]) + ismg + b"\x20")
            self.logged_in = True
        else:
            self.send(CONNECT_RESP, seq, bytes([status]) + bytes(16) +
                      b"\x20")
            self.tr.close()

    def on_submit(self, seq, body):
        a = self.sim.args
        if seq in self.seen_seq:
            self.sim.log(ev="error", conn=self.id, why="sequence reused",
                         seq=seq)
        self.seen_seq.add(seq)
        if len(body) < 117:
            raise ValueError("SUBMIT too short")
        f = {}
        o = 0

        def take(n):
            nonlocal o
            if o + n > len(body):
                raise ValueError("SUBMIT truncated")
            v = body[o:o + n]
            o += n
            return v
        take(8)  # Msg_Id, the ISMG's to fill
        pk_total, pk_number, reg, level = take(4)
        service_id = cstr(take(10))
        fee_usertype = take(1)[0]
        take(21)  # Fee_terminal_Id
        tp_pid, udhi, fmt = take(3)
        msg_src = cstr(take(6))
        fee_type = cstr(take(2))
        fee_code = cstr(take(6))
        take(17)  # ValId_Time
        take(17)  # At_Time
        src_id = cstr(take(21))
        n_dest = take(1)[0]
        dest = [cstr(take(21)) for _ in range(n_dest)]
        msg_len = take(1)[0]
        content = take(msg_len)
        take(8)  # Reserve
        if o != len(body):
            self.error("SUBMIT length", seq=seq, extra=len(body) - o)
        if n_dest < 1 or n_dest > 100:
            self.error("DestUsr_tl", n=n_dest)
        if msg_len > (160 if fmt == 0 else 140):
            self.error("Msg_Length", length=msg_len, fmt=fmt)
        if fmt == 8 and (msg_len - (content[0] + 1 if udhi else 0)) % 2:
            self.error("UCS-2 of odd length", seq=seq)
        if not 1 <= pk_number <= pk_total:
            self.error("Pk_number", total=pk_total, number=pk_number)
        if udhi:
            if (len(content) < 6 or content[0:3] != b"\x05\x00\x03" or
                    content[4] != pk_total or content[5] != pk_number):
                self.error("UDH", seq=seq, udh=content[:6].hex())
        elif pk_total != 1:
            self.error("Pk_total > 1 without a UDH", seq=seq)
        if msg_src != a.source_addr:
            self.error("Msg_src", msg_src=msg_src)
        self.outstanding += 1
        self.submits += 1
        self.sim.submits_total += 1
        self.sim.log(ev="submit", conn=self.id, seq=seq,
                     outstanding=self.outstanding, pk_total=pk_total,
                     pk_number=pk_number, udhi=udhi, fmt=fmt, dest=dest,
                     src_id=src_id, msg_src=msg_src, service_id=service_id,
                     fee_usertype=fee_usertype, fee_type=fee_type,
                     fee_code=fee_code, reg=reg, content=content.hex())
        if a.mute_after and self.id == 1 and self.submits >= a.mute_after:
            self.muted = True     # this one and all after: no answer
            return
        if self.sim.throttle_left > 0:
            self.sim.throttle_left -= 1
            result = 8
        else:
            result = 0
        msg_id = self.sim.new_msg_id()
        if a.resp_delay_ms > 0:
            asyncio.get_running_loop().call_later(
                a.resp_delay_ms / 1000, self.answer, seq, msg_id, result,
                dest, reg)
        else:
            self.answer(seq, msg_id, result, dest, reg)

    def answer(self, seq, msg_id, result, dest, reg):
        if self.closed or self.muted:
            return
        self.outstanding -= 1
        # Logged before it is sent: whatever the SP can have seen is in
        # the log when the test reads it.
        self.sim.log(ev="resp", conn=self.id, seq=seq, msg_id=msg_id,
                     result=result)
        self.send(SUBMIT_RESP, seq, struct.pack(">QB", msg_id, result))
        a = self.sim.args
        if a.report and result == 0 and reg == 1:
            if a.report_delay_ms > 0:
                asyncio.get_running_loop().call_later(
                    a.report_delay_ms / 1000, self.report, msg_id, dest[0])
            else:
                self.report(msg_id, dest[0])

    def report(self, msg_id, dest):
        a = self.sim.args
        now = time.strftime("%y%m%d%H%M", time.gmtime(time.time() + 8 * 3600))
        content = (struct.pack(">Q", msg_id) + pad(a.report_stat, 7) +
                   pad(now, 10) + pad(now, 10) + pad(dest, 21) +
                   struct.pack(">I", msg_id & 0xFFFFFFFF))
        self.deliver(dest_id="10690001", src=dest, fmt=0, udhi=0, reg=1,
                     content=content, kind="report")

    def deliver(self, dest_id, src, fmt, udhi, reg, content, kind,
                msg_id=None):
        self.my_seq += 1
        if msg_id is None:
            msg_id = self.sim.new_msg_id()
        body = (struct.pack(">Q", msg_id) + pad(dest_id, 21) +
                pad("", 10) + bytes([0, udhi, fmt]) + pad(src, 21) +
                bytes([reg, len(content)]) + content + bytes(8))
        self.sim.log(ev="deliver", conn=self.id, seq=self.my_seq,
                     msg_id=msg_id, kind=kind)
        self.send(DELIVER, self.my_seq, body)


def control(sim, line):
    words = line.split()
    if not words:
        return
    if words[0] == "quit":
        asyncio.get_running_loop().stop()
        return
    live = [c for c in sim.conns if c.logged_in]
    if words[0] in ("mo", "raw") and not live:
        sim.log(ev="error", why="%s without a connection" % words[0])
        return
    if words[0] == "mo" and len(words) in (6, 7):
        live[-1].deliver(dest_id=words[2], src=words[1], fmt=int(words[3]),
                         udhi=int(words[4]), reg=0,
                         content=bytes.fromhex(words[5]), kind="mo",
                         msg_id=int(words[6]) if len(words) == 7 else None)
        return
    if words[0] == "raw" and len(words) == 2:
        live[-1].tr.write(bytes.fromhex(words[1]))
        sim.log(ev="raw", conn=live[-1].id)
        return
    sim.log(ev="error", why="control", line=line)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--source-addr", default="901234")
    p.add_argument("--secret", required=True)
    p.add_argument("--log")
    p.add_argument("--resp-delay-ms", type=int, default=0)
    p.add_argument("--throttle", type=int, default=0)
    p.add_argument("--mute-after", type=int, default=0)
    p.add_argument("--mute-active-test", action="store_true")
    p.add_argument("--bad-ismg-auth", action="store_true")
    p.add_argument("--report", action="store_true")
    p.add_argument("--report-stat", default="DELIVRD")
    p.add_argument("--report-delay-ms", type=int, default=0)
    args = p.parse_args()
    sim = Sim(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: Conn(sim), "127.0.0.1", args.port))
    port = server.sockets[0].getsockname()[1]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)

    def on_stdin():
        line = sys.stdin.readline()
        if line == "":
            loop.remove_reader(sys.stdin.fileno())
            return
        control(sim, line)
    try:
        loop.add_reader(sys.stdin.fileno(), on_stdin)
    except (OSError, ValueError):
        pass        # stdin is a file or closed: no control lines
    print("READY %d" % port, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        if sim.log_fp:
            sim.log_fp.close()


if __name__ == "__main__":
    main()
