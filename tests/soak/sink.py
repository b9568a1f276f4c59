#!/usr/bin/env python3
"""sink.py: the SMS provider of the chaos soak (tests/soak/soak.py).

    python3 tests/soak/sink.py PORT LOGFILE

An HTTP/1.1 server on 127.0.0.1:PORT (asyncio, keep-alive) that plays the
gateway's `http_json` provider: every POST is a message
{"to","from","text","id"} (id: the gateway's sms_out id).  What it does
with a message depends on its mode, which the soak switches at run time
with GET /_soak/mode?set=MODE:

  ok    answers 200 {"id":"S<start>-<n>"}, a provider message id of its
        own, after writing "<ms> ok <id> <to> S<start>-<n>" to LOGFILE
        (the line is written before the answer: every 200 the gateway can
        have seen is in the log);
  500   answers 500 and writes "<ms> rej <id> <to>";
  hang  writes "<ms> hang <id> <to>", keeps the request unanswered while
        the mode stays hang (at most 300 s), then closes the connection
        without an answer: a request that hung is never accepted later,
        so the log's "ok" lines are exactly the deliveries.

GET /_soak/stats answers "ok=N rej=N hang=N mode=M".  LOGFILE is line
buffered and appended to.  SIGTERM or SIGINT stops it (exit 0).  Python 3
standard library only.
"""
import asyncio
import json
import signal
import sys
import time

MAX_HEAD = 16384
MAX_BODY = 1 << 20
HANG_MAX_S = 300


class Sink:
    def __init__(self, log):
        self.log = log
        self.mode = "ok"
        self.start = int(time.time())
        self.counts = {"ok": 0, "rej": 0, "hang": 0}
        self.mode_changed = asyncio.Event()

    def note(self, what, msg_id, to, extra=""):
        self.counts[what] += 1
        self.log.write("%d %s %s %s%s\n" % (int(time.time() * 1000), what,
                                            msg_id, to, extra))

    def set_mode(self, mode):
        self.mode = mode
        self.mode_changed.set()
        self.mode_changed = asyncio.Event()


def response(status, body, ctype="application/json", close=False):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found",
              500: "Internal Server Error"}.get(status, "Status")
    head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s"
            "\r\n" % (status, reason, ctype, len(body),
                      "Connection: close\r\n" if close else ""))
    return head.encode("ascii") + body


async def handle(sink, reader, writer):
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                writer.write(response(400, b"bad request line\n",
                                      "text/plain", True))
                return
            method, target = parts[0], parts[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                writer.write(response(400, b"too long\n", "text/plain", True))
                return
            body = await reader.readexactly(length) if length else b""
            close = headers.get("connection", "").lower() == "close"
            if target.startswith("/_soak/"):
                out = control(sink, target)
                writer.write(response(200, out.encode(), "text/plain", close))
            elif method != "POST":
                writer.write(response(404, b"not found\n", "text/plain",
                                      close))
            else:
                try:
                    msg = json.loads(body)
                    msg_id, to = str(msg["id"]), str(msg["to"])
                except (ValueError, KeyError, TypeError):
                    writer.write(response(400, b'{"error":"bad json"}',
                                          close=close))
                    await writer.drain()
                    continue
                mode = sink.mode
                if mode == "hang":
                    sink.note("hang", msg_id, to)
                    deadline = time.monotonic() + HANG_MAX_S
                    while sink.mode == "hang" and time.monotonic() < deadline:
                        try:
                            await asyncio.wait_for(sink.mode_changed.wait(),
                                                   1.0)
                        except asyncio.TimeoutError:
                            pass
                    return      # closed without an answer
                if mode == "500":
                    sink.note("rej", msg_id, to)
                    writer.write(response(500, b'{"error":"soak: 500"}',
                                          close=close))
                else:
                    n = sink.counts["ok"] + 1
                    pid = "S%d-%d" % (sink.start, n)
                    sink.note("ok", msg_id, to, " " + pid)
                    writer.write(response(200, ('{"id":"%s"}' % pid).encode(),
                                          close=close))
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.CancelledError):
        pass            # the peer went, or the sink is stopping
    finally:
        writer.close()


def control(sink, target):
    path, _, query = target.partition("?")
    if path == "/_soak/mode":
        for kv in query.split("&"):
            k, _, v = kv.partition("=")
            if k == "set" and v in ("ok", "500", "hang"):
                sink.set_mode(v)
        return "mode=%s\n" % sink.mode
    return "ok=%d rej=%d hang=%d mode=%s\n" % (
        sink.counts["ok"], sink.counts["rej"], sink.counts["hang"], sink.mode)


async def main(port, path):
    log = open(path, "a", buffering=1, encoding="utf-8")
    sink = Sink(log)
    server = await asyncio.start_server(
        lambda r, w: handle(sink, r, w), "127.0.0.1", port, limit=MAX_HEAD,
        reuse_address=True, backlog=512)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("sink.ready port=%d" % port, flush=True)
    await stop.wait()
    server.close()
    print("sink.final " + control(sink, "/_soak/stats").strip(), flush=True)
    log.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: sink.py PORT LOGFILE\n")
        sys.exit(64)
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
