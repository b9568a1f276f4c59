"""harness.py: what the console's browser tests and its page benchmark
share: a real gateway on a free loopback port with its own configuration
and database in a temporary directory (the demo registry imported, users
made with fupinctl), and headless Chromium driven by Debian's selenium.

    gw = Gateway(bin_dir, users=[("office1", "office", "5134")])
    gw.start()                  # migrate, import data/demo, users, start
    b = Browser(shot_dir)       # headless Chromium through chromedriver
    b.sign_in(gw, "office1")
    ...
    b.quit(); gw.stop()         # each by its PID

Everything the gateway writes stays in the temporary directory (removed
at the end unless FUPIN_KEEP=1).  Processes are stopped by their PID.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PASSWORD = "console-test-pw-1"   # at least 10 characters (SPEC 10)
CHROMEDRIVER = "/usr/bin/chromedriver"
CHART_JS = os.path.join(ROOT, "web", "vendor", "chart.js", "chart.min.js")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Gateway:
    """bin/fupin-gateway on 127.0.0.1:<free port>, file provider,
    no quiet hours (a test may run at night), the demo registry.  A test
    that needs another configuration passes the groups' keys: `schedule`,
    `http` (more keys of the http group), `providers` (more items after
    the file provider "local"), `templates` (the templates group)."""

    def __init__(self, bin_dir, users=(), extra_conf="",
                 schedule='quiet_hours = ""; max_notices_per_day = 0;',
                 http="", providers="", templates=None):
        self.bin = os.path.abspath(bin_dir)
        self.users = list(users)
        self.extra_conf = extra_conf
        self.schedule = schedule
        self.http = http
        self.providers = providers
        self.templates = (templates if templates is not None else
                          'dir = "%s/templates";' % ROOT)
        self.work = tempfile.mkdtemp(prefix="fupin-browser-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.work, "fupin.conf")
        self.proc = None
        self.log_path = os.path.join(self.work, "gateway.log")

    def path(self, *p):
        return os.path.join(self.work, *p)

    def ctl(self, *args, stdin=None):
        r = subprocess.run([os.path.join(self.bin, "fupinctl"), "-c",
                            self.conf] + list(args), input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("fupinctl %s: exit %d\n%s" %
                               (" ".join(args), r.returncode, r.stdout))
        return r.stdout

    def start(self):
        if not os.path.isfile(CHART_JS):
            raise RuntimeError("%s is missing: run make (it copies Debian's "
                               "libjs-chart.js there)" % CHART_JS)
        with open(self.conf, "w") as f:
            f.write("""node_id = "browser";
database = { path = "%(w)s/fupin.db"; id_key_file = "%(w)s/id.key"; };
http = { listen = "127.0.0.1:%(port)d"; %(http)s };
providers = ( { name = "local"; type = "file"; path = "%(w)s/outbox.jsonl";
                rate = 200; }%(providers)s );
schedule = { %(schedule)s };
templates = { %(templates)s };
console = { enabled = true; dir = "%(root)s/web"; };
%(extra)s
""" % {"w": self.work, "port": self.port, "root": ROOT,
                "extra": self.extra_conf, "http": self.http,
                "providers": (", " + self.providers) if self.providers
                else "", "schedule": self.schedule,
                "templates": self.templates})
        self.ctl("migrate")
        for k in ("cadres", "households", "members", "enrollments",
                  "trainings", "payments"):
            self.ctl("import", k, os.path.join(ROOT, "data", "demo",
                                               k + ".csv"))
        for name, role, area in self.users:
            args = ["user", "add", name, "--role", role]
            if area:
                args += ["--area", area]
            self.ctl(*args, stdin=PASSWORD + "\n")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([os.path.join(self.bin, "fupin-gateway"),
                                      "-c", self.conf], stdout=log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the gateway exited %d:\n%s" %
                                   (self.proc.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/healthz",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the gateway did not answer /healthz in 20 s")

    def log_tail(self, n=40):
        try:
            with open(self.log_path, encoding="utf-8",
                      errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def post_form(self, path, fields):
        """A webhook as the provider would send it (loopback auth)."""
        body = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(self.url + path, data=body,
                                     method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def mo(self, number, text):
        """An SMS from a phone, through POST /sms/inbound."""
        status, body = self.post_form("/sms/inbound",
                                      {"from": number, "text": text})
        if status != 202:
            raise RuntimeError("MO refused: %d %s" % (status, body))
        return json.loads(body)["id"]

    def outbox(self):
        try:
            with open(self.path("outbox.jsonl"), encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        if os.environ.get("FUPIN_KEEP") == "1":
            print("kept %s" % self.work)
            return
        shutil.rmtree(self.work, ignore_errors=True)



class Browser:
    """Headless Chromium (Debian's chromium and chromedriver) through
    Debian's python3-selenium; screenshots go to shot_dir."""

    def __init__(self, shot_dir=None, width=1366, height=768):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--window-size=%d,%d" % (width, height), "--lang=zh-CN",
                  "--disable-dev-shm-usage"):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.shot_dir = shot_dir
        self.service = Service(CHROMEDRIVER)
        self.d = webdriver.Chrome(service=self.service, options=opts)
        self.d.set_script_timeout(30)
        if width < 500:
            # Chromium's window is at least 500 pixels wide: a phone's
            # width is emulated instead.
            self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": True})
        self.base = None

    # ---- waiting and finding ------------------------------------------------

    def wait(self, cond, timeout=15, what="condition"):
        """cond() truthy within timeout, else an AssertionError."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                v = cond()
                if v:
                    return v
            except Exception as e:  # noqa: BLE001 (stale element, not yet there)
                last = e
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s%s" %
                             (what, " (%s)" % last if last else ""))

    def css(self, sel):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def one(self, sel, timeout=15):
        return self.wait(lambda: (self.css(sel) or [None])[0], timeout,
                         "element %s" % sel)

    def visible(self, sel):
        return [e for e in self.css(sel) if e.is_displayed()]

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def fetch(self, method, path, body=None, csrf=True, form=False):
        """A request from the page, with its session cookie; csrf=False
        leaves the X-CSRF-Token header out.  {"status", "body"}."""
        return self.d.execute_async_script("""
            const [method, path, body, csrf, form, done] = arguments;
            (async () => {
              const headers = {};
              if (csrf) {
                const s = await fetch('/api/v1/session', {credentials: 'same-origin'});
                headers['X-CSRF-Token'] = (await s.json()).csrf;
              }
              let payload;
              if (body !== null && form) {
                headers['Content-Type'] = 'application/x-www-form-urlencoded';
                payload = new URLSearchParams(body).toString();
              } else if (body !== null) {
                headers['Content-Type'] = 'application/json';
                payload = JSON.stringify(body);
              }
              const r = await fetch(path, {method, headers, body: payload,
                                           credentials: 'same-origin'});
              const text = await r.text();
              let parsed = text;
              try { parsed = JSON.parse(text); } catch (e) {}
              done({status: r.status, body: parsed});
            })().catch((e) => done({status: -1, body: String(e)}));
        """, method, path, body, csrf, form)

    # ---- the console ---------------------------------------------------------

    def open(self, gw, hash_=""):
        self.base = gw.url + "/console/"
        self.d.get(self.base + hash_)

    def sign_in(self, gw, user, password=PASSWORD, expect_ok=True):
        self.d.get(gw.url + "/console/login.html")
        self.one("#username").clear()
        self.one("#username").send_keys(user)
        self.one("#password").send_keys(password)
        self.one("#login-submit").click()
        if expect_ok:
            self.wait(lambda: self.css("#who-name"), 15, "the console "
                      "after signing in as %s" % user)
        self.base = gw.url + "/console/"

    def go(self, hash_):
        """A page of the console by its hash, e.g. '#/tasks'."""
        self.js("location.hash = arguments[0]", hash_)
        self.wait(lambda: self.js(
            "return !document.getElementById('main').hasAttribute('aria-busy')"
            " && !document.querySelector('#main > .loading')"), 20,
            "page %s" % hash_)

    def shot(self, name):
        if not self.shot_dir:
            return None
        os.makedirs(self.shot_dir, exist_ok=True)
        p = os.path.join(self.shot_dir, name + ".png")
        self.d.save_screenshot(p)
        return p

    def tall_shot(self, name, height=1000):
        """A screenshot in a taller window (charts below the fold too),
        then the window as it was."""
        size = self.d.get_window_size()
        self.d.set_window_size(size["width"], height)
        time.sleep(0.4)
        p = self.shot(name)
        self.d.set_window_size(size["width"], size["height"])
        return p

    def js_errors(self):
        """Severe console messages other than failed requests (a 403 or
        404 the test asked for)."""
        out = []
        for e in self.d.get_log("browser"):
            if e["level"] != "SEVERE":
                continue
            if "Failed to load resource" in e["message"]:
                continue
            out.append(e["message"])
        return out

    def quit(self):
        try:
            self.d.quit()
        finally:
            # chromedriver is ours: stop it by its PID if quit did not.
            p = getattr(self.service, "process", None)
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(10)
