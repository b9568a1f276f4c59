#!/usr/bin/python3
"""console_test.py: the console in a real browser (issue 15, SPEC 10),
behind `make test-browser` (and so `make check`).

    /usr/bin/python3 tests/browser/console_test.py BIN_DIR [SHOT_DIR]

Starts BIN_DIR/fupin-gateway on a free loopback port with its own
configuration and database (the demo registry, users made with fupinctl;
tests/browser/harness.py), then drives Debian's headless Chromium through
chromedriver and python3-selenium:

  - an office user signs in, builds a broadcast to one township in the
    form, sends it and watches it reach `finished` with the API's counts;
  - closes a villager's feedback ticket with a note;
  - alerts a cadre and sees the task acknowledged after his SMS `QR T<n>`;
  - a viewer sees no send, cancel or close button and gets 403 posting anyway;
  - an office user of one prefecture never sees another's households;
  - a cookie-authenticated POST without X-CSRF-Token is refused;
  - the overview is drawn, the pages fit a 360-pixel-wide phone, every
    control has an accessible name;
  - the texts page: the coverage table is the API's counts, the menu
    tree, and its phone runs the menu in the gateway's sandbox (POST
    /api/v1/console/phone) and files nothing, also behind a proxy where
    POST /ussd refuses the browser; a viewer gets no phone;
  - the new-broadcast form from the configuration (GET /api/v1/console/
    settings): quiet hours, programs, no own text through a provider
    that takes approved templates only;
  - an admin adds a user in the Users page and that user signs in (and
    finds no Users page); an admin signed in before a clerk locked their
    name out unlocks it from the page, and the clerk signs in;
  - the tasks page's cadre picker and the inbox's category are the
    gateway's search and filter (GET /api/v1/cadres?q=, /feedback?category=);
  - 5 wrong passwords lock the sign-in (429), last because the lockout
    also counts per client and every test signs in from 127.0.0.1.

Each test saves a screenshot (PNG) in SHOT_DIR (default
build/browser-shots).  Exit 0 when every test passes, 1 otherwise, 69
when Chromium, chromedriver or selenium is missing.  Must run with
Debian's /usr/bin/python3 (python3-selenium).
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Gateway, PASSWORD  # noqa: E402

# Prefecture 5134 is 凉山 (昭觉县 513431), 5133 甘孜 (理塘县 513334):
# data/demo/README.md.
USERS = [
    ("admin1", "admin", ""),
    ("office1", "office", "5134"),
    ("office2", "office", "5133"),
    ("viewer1", "viewer", "5134"),
    ("lock1", "office", "5134"),
    ("lock2", "viewer", "5134"),
]
NEW_PASSWORD = "新同事的密码-2026"   # what the admin types in the Users page
TOWNSHIP = "513431100"          # a town of 昭觉县
VILLAGER = "13908340107"        # 日火木呷, HH513431000001 (5134)
OTHER_VILLAGER = "15008360107"  # HH513334000001 (5133, 甘孜)
OTHER_HOUSEHOLD = "HH513334000001"
OWN_HOUSEHOLD = "HH513431000001"
CADRE_ID = "C513431001"         # 李明辉
CADRE_PHONE = "19908349001"

GW = None
SHOTS = None


class ConsoleTest(unittest.TestCase):
    """The tests run in the order of their names (unittest sorts them)."""

    def setUp(self):
        self.b = None

    def tearDown(self):
        if self.b is not None:
            errors = self.b.js_errors()
            self.b.quit()
            self.assertEqual(errors, [], "JavaScript errors in the page")

    def browser(self, **kw):
        self.b = Browser(SHOTS, **kw)
        return self.b

    def choose_area(self, code):
        """The area picker: each level's select down to code, or the
        prefix field when the gateway gives no tree."""
        from selenium.webdriver.support.ui import Select
        b = self.b
        b.wait(lambda: b.css(".area-picker select") or b.css(".area-code"),
               10, "the area picker")
        if b.css(".area-code"):
            f = b.css(".area-code")[0]
            f.clear()
            f.send_keys(code)
            return
        for level in range(6):
            sel = b.wait(lambda: b.css(
                ".area-picker select[data-level='%d']" % level), 10,
                "area level %d" % level)[0]
            values = [o.get_attribute("value") for o in
                      sel.find_elements("css selector", "option")]
            if code in values:
                Select(sel).select_by_value(code)
                return
            step = [v for v in values if v and code.startswith(v)]
            self.assertTrue(step, "no option on the way to %s in %s" %
                            (code, values))
            Select(sel).select_by_value(max(step, key=len))
        self.fail("area %s not reached" % code)

    # ---- the flows -------------------------------------------------------

    def test_01_office_sends_broadcast_to_a_township(self):
        b = self.browser()
        b.sign_in(GW, "office1")
        b.go("#/broadcasts/new")
        text = b.one("#bc-var-text")
        text.send_keys("明天上午9点在乡政府开会，请按时参加。")
        self.choose_area(TOWNSHIP)
        live = b.wait(lambda: [e for e in b.css(".preview-count")
                               if e.get_attribute("data-recipients")], 15,
                      "the dry run's count")[0]
        dry = int(live.get_attribute("data-recipients"))
        self.assertGreater(dry, 0)
        self.assertTrue(b.css("#bc-previews .phone"), "a preview per language")
        b.js("window.scrollTo(0, 0)")
        b.tall_shot("new-broadcast")
        b.one("#bc-review").click()
        b.wait(lambda: b.visible("#bc-confirm"), 5, "the confirmation")
        b.one("#bc-send").click()
        m = b.wait(lambda: re.search(r"#/broadcasts/(\d+)$",
                                     b.d.current_url), 15, "the broadcast page")
        bid = m.group(1)
        b.wait(lambda: b.one("#bc-status").get_attribute("data-status") ==
               "finished", 60, "broadcast %s finished" % bid)
        # The page's counts are the API's.
        api = b.fetch("GET", "/api/v1/broadcasts/" + bid)
        self.assertEqual(api["status"], 200)
        got = api["body"]
        self.assertEqual(got["status"], "finished")
        self.assertEqual(got["recipients"], dry)
        self.assertEqual(got["audience"].get("area"), TOWNSHIP)
        b.wait(lambda: len(b.css("#bc-counts tr[data-status]")) ==
               len([k for k, v in got["counts"].items() if v]), 10,
               "the counts table")
        shown = {r.get_attribute("data-status"):
                 int(r.find_element("css selector", "td[data-count]")
                     .get_attribute("data-count"))
                 for r in b.css("#bc-counts tr[data-status]")}
        self.assertEqual(shown, {k: v for k, v in got["counts"].items() if v})
        self.assertEqual(got["counts"].get("delivered"), dry,
                         "the file provider delivers at once")
        self.assertIn(str(dry), b.one("#bc-progress").text)
        sent = [m for m in GW.outbox() if "乡政府开会" in m["text"]]
        self.assertEqual(len(sent), dry)
        b.tall_shot("broadcast-finished")

    def test_02_office_closes_a_ticket(self):
        GW.mo(VILLAGER, "FK 村口的路灯坏了三天了")
        b = self.browser()
        b.sign_in(GW, "office1")
        b.go("#/feedback")
        row = b.wait(lambda: [r for r in b.css("#fb-list tr[data-ticket]")
                              if "路灯" in r.text], 10, "the ticket")[0]
        ticket = row.get_attribute("data-ticket")
        row.find_element("css selector", "a").click()
        b.wait(lambda: b.css("#fb-close-form"), 10, "the close form")
        b.one("#fb-note").send_keys("已联系村委会，明天维修。")
        b.shot("ticket-open")
        b.one("#fb-close").click()
        b.wait(lambda: b.one("#fb-ticket-status").get_attribute(
            "data-status") == "closed", 10, "the ticket closed")
        api = b.fetch("GET", "/api/v1/feedback?status=closed")
        mine = [f for f in api["body"]["items"] if f["ticket"] == ticket]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["resolution"], "已联系村委会，明天维修。")
        self.assertIn("office1", mine[0]["closed_by"])   # "user:office1"
        b.shot("ticket-closed")

    def test_03_office_alerts_a_cadre_who_acks_by_sms(self):
        b = self.browser()
        b.sign_in(GW, "office1")
        b.go("#/tasks")
        b.one("#tk-cadre").send_keys(CADRE_ID)
        b.one("#tk-add").click()
        b.wait(lambda: b.css("#tk-chosen li[data-cadre='%s']" % CADRE_ID), 5,
               "the cadre chosen")
        b.one("#tk-text").send_keys("请核实本村雨露计划学生名单")
        b.one("#tk-send").click()
        m = b.wait(lambda: re.search(r"T\d+", b.one("#tk-result").text), 15,
                   "the task number")
        task = m.group(0)
        row = b.one("#tk-list tr[data-task='%s']" % task)
        self.assertEqual(row.get_attribute("data-acked"), "no")
        alert = [x for x in GW.outbox() if x["to"].endswith(CADRE_PHONE) and
                 task in x["text"]]
        self.assertTrue(alert, "the alert SMS to the cadre")
        GW.mo(CADRE_PHONE, "QR " + task)        # SPEC 3.2: QR <task>
        deadline = time.monotonic() + 20
        while True:
            b.go("#/tasks?r=%d" % int(time.monotonic() * 1000))
            rows = b.css("#tk-list tr[data-task='%s']" % task)
            if rows and rows[0].get_attribute("data-acked") == "yes":
                break
            self.assertLess(time.monotonic(), deadline, "task %s acked" % task)
            time.sleep(0.5)
        b.js("arguments[0].scrollIntoView()", b.one("#tk-list"))
        b.shot("task-acked")

    def test_04_viewer_cannot_send(self):
        b = self.browser()
        b.sign_in(GW, "viewer1")
        self.assertFalse(b.css("a[data-nav='new_broadcast']"))
        pages = ["#/overview", "#/broadcasts", "#/broadcasts/new",
                 "#/feedback", "#/tasks", "#/lookup", "#/texts"]
        bc = b.fetch("GET", "/api/v1/broadcasts")["body"]["items"]
        if bc:
            pages.append("#/broadcasts/%s" % bc[0]["id"])
        fb = b.fetch("GET", "/api/v1/feedback?status=open")["body"]["items"]
        if not fb:
            GW.mo(VILLAGER, "FK 水管漏水")
            fb = b.wait(lambda: b.fetch("GET", "/api/v1/feedback?status=open")
                        ["body"]["items"], 10, "a ticket")
        pages.append("#/feedback/%s" % fb[0]["ticket"])
        for p in pages:
            b.go(p)
            for sel in ("#bc-new-link", "#bc-review", "#bc-send",
                        "#bc-cancel", "#fb-close", "#fb-close-form",
                        "#tk-form", "#tk-send"):
                self.assertFalse(b.visible(sel), "%s shows %s to a viewer" %
                                 (p, sel))
        # Numbers reach a viewer masked (the server masks them).
        b.go("#/lookup?household=%s&msisdn=%s" % (OWN_HOUSEHOLD, VILLAGER))
        b.wait(lambda: b.css("#lk-household-result [data-household]") and
               b.css("#lk-messages tbody tr"), 10, "the lookups")
        for sel in ("#lk-household-result", "#lk-msisdn-result"):
            self.assertIsNone(re.search(r"(?<![0-9A-Z])1[3-9]\d{9}(?!\d)",
                                        b.one(sel).text),
                              "a full number shown to a viewer in " + sel)
        self.assertIn("****", b.one("#lk-household-result").text)
        b.go("#/broadcasts")
        b.shot("viewer")
        # Posting anyway, with a valid session and CSRF token: 403.
        r = b.fetch("POST", "/api/v1/broadcasts", {
            "template": "general_notice", "vars": {"text": "x"},
            "audience": {"area": TOWNSHIP}})
        self.assertEqual(r["status"], 403, r)
        r = b.fetch("POST", "/api/v1/alerts",
                    {"cadres": [CADRE_ID], "text": "x"})
        self.assertEqual(r["status"], 403, r)
        r = b.fetch("POST", "/api/v1/feedback/%s/close" % fb[0]["ticket"],
                    {"resolution": "x"})
        self.assertEqual(r["status"], 403, r)

    def test_05_office_never_sees_another_prefecture(self):
        GW.mo(OTHER_VILLAGER, "FK 甘孜的反馈")
        b = self.browser()
        b.sign_in(GW, "office1")
        # Its own household, as a control.
        b.go("#/lookup")
        b.one("#lk-household").send_keys(OWN_HOUSEHOLD)
        b.one("#lk-household-go").click()
        b.wait(lambda: b.css("#lk-household-result [data-household]"), 10,
               "its own household")
        # The other prefecture's household: refused, nothing shown.
        own = b.one("#lk-household")
        own.clear()
        own.send_keys(OTHER_HOUSEHOLD)
        b.one("#lk-household-go").click()
        b.wait(lambda: b.css("#lk-household-result .error"), 10, "a refusal")
        self.assertFalse(b.css("#lk-household-result [data-household]"))
        r = b.fetch("GET", "/api/v1/households/" + OTHER_HOUSEHOLD)
        self.assertIn(r["status"], (403, 404), r)
        r = b.fetch("GET", "/api/v1/messages?msisdn=" + OTHER_VILLAGER)
        self.assertTrue(r["status"] in (403, 404) or
                        r["body"].get("items") == [], r)
        b.one("#lk-msisdn").send_keys(OTHER_VILLAGER)
        b.one("#lk-msisdn-go").click()
        b.wait(lambda: b.css("#lk-msisdn-result .error") or
               b.visible("#lk-msisdn-result .muted"), 10, "no history")
        self.assertFalse(b.css("#lk-messages tbody tr"))
        b.shot("scope-lookup")
        # The inbox holds none of its tickets, the area tree none of its areas.
        b.go("#/feedback?status=")
        b.wait(lambda: b.css("#fb-list tbody tr") or b.visible("#fb-empty"),
               10, "the inbox")
        self.assertNotIn("HH513334", b.one("#fb-list").text)
        self.assertNotIn("甘孜的反馈", b.one("#fb-list").text)
        r = b.fetch("GET", "/api/v1/feedback?status=open")
        self.assertFalse([f for f in r["body"]["items"]
                          if (f.get("household_id") or "").startswith("HH5133")])
        r = b.fetch("GET", "/api/v1/areas")
        self.assertEqual(r["status"], 200, r)
        self.assertNotIn('"5133', repr(r["body"]).replace("'", '"'))
        b.go("#/broadcasts/new")
        b.wait(lambda: b.css(".area-picker select") or b.css(".area-code"),
               10, "the area picker")
        values = [o.get_attribute("value")
                  for o in b.css(".area-picker option")]
        self.assertFalse([v for v in values if v.startswith("5133")], values)
        r = b.fetch("POST", "/api/v1/broadcasts", {
            "template": "general_notice", "vars": {"text": "x"},
            "audience": {"area": "513334"}, "dry_run": True})
        self.assertEqual(r["status"], 403, r)
        # And the other prefecture's office sees its own, not 5134's.
        r2 = b.fetch("GET", "/api/v1/households/" + OWN_HOUSEHOLD)
        self.assertEqual(r2["status"], 200)
        b.quit()
        self.b = b = self.browser()
        b.sign_in(GW, "office2")
        r = b.fetch("GET", "/api/v1/households/" + OWN_HOUSEHOLD)
        self.assertIn(r["status"], (403, 404), r)
        r = b.fetch("GET", "/api/v1/households/" + OTHER_HOUSEHOLD)
        self.assertEqual(r["status"], 200, r)

    def test_06_post_without_csrf_header_is_refused(self):
        b = self.browser()
        b.sign_in(GW, "office1")
        body = {"template": "general_notice", "vars": {"text": "x"},
                "audience": {"area": TOWNSHIP}, "dry_run": True}
        r = b.fetch("POST", "/api/v1/broadcasts", body, csrf=False)
        self.assertEqual(r["status"], 403, r)
        r = b.fetch("POST", "/api/v1/alerts",
                    {"cadres": [CADRE_ID], "text": "x"}, csrf=False)
        self.assertEqual(r["status"], 403, r)
        r = b.fetch("POST", "/api/v1/broadcasts", body, csrf=True)
        self.assertEqual(r["status"], 200, r)
        b.go("#/overview")
        b.shot("csrf")

    def test_07_overview_is_drawn(self):
        b = self.browser()
        b.sign_in(GW, "office1")
        b.d.get(GW.url + "/console/#/overview")
        b.wait(lambda: b.js("return document.getElementById('main')"
                            ".dataset.drawn") == "overview", 15,
               "the overview's charts")
        ms = b.js("const m = performance.getEntriesByName("
                  "'fupin-overview-drawn'); return m.length ? m[0].startTime : null")
        self.assertIsNotNone(ms)
        self.assertTrue(b.css("#ov-daily"), "the daily chart")
        self.assertTrue(b.css("#ov-today-mo"))
        print("  overview drawn %.0f ms after navigation" % ms)
        # Every queue of the API's is named, none shows its key.
        queues = b.fetch("GET", "/api/v1/overview")["body"]["queues"]
        names = b.js("return document.getElementById('ov-queue')"
                     ".closest('section').textContent")
        self.assertIn("待转发事件", names)
        for k in queues:
            self.assertNotIn(k, names)
        b.tall_shot("overview")
        b.one("#lang-switch").click()
        b.wait(lambda: b.js("return document.documentElement.lang") == "en",
               5, "English")
        b.wait(lambda: "Overview" in b.one("#main h1").text, 10,
               "the English overview")
        queue_text = ("const q = document.getElementById('ov-queue');"
                      "return q ? q.closest('section').textContent : ''")
        names = b.wait(lambda: "events to relay" in b.js(queue_text) and
                       b.js(queue_text), 10, "the queues named in English")
        for k in queues:
            self.assertNotIn(k, names)
        b.d.refresh()
        b.wait(lambda: b.css("#main h1") and "Overview" in
               b.one("#main h1").text, 10, "English remembered")
        b.shot("overview-en")
        b.one("#lang-switch").click()

    def test_08_fits_a_phone(self):
        b = self.browser(width=360, height=740)
        b.sign_in(GW, "office1")
        self.assertEqual(b.js("return window.innerWidth"), 360)
        for p in ("#/overview", "#/broadcasts/new", "#/broadcasts",
                  "#/feedback", "#/tasks", "#/lookup", "#/texts"):
            b.go(p)
            time.sleep(0.3)
            w = b.js("return document.documentElement.scrollWidth")
            vw = b.js("return window.innerWidth")
            self.assertLessEqual(w, vw + 1, "%s is %dpx wide in %dpx" %
                                 (p, w, vw))
        self.assertFalse(b.visible("#nav a"), "the menu is folded")
        b.one("#menu-toggle").click()
        b.wait(lambda: b.visible("#nav a"), 5, "the menu open")
        self.assertEqual(b.one("#menu-toggle").get_attribute("aria-expanded"),
                         "true")
        b.shot("phone-menu")
        b.visible("#nav a[data-nav='new_broadcast']")[0].click()
        b.wait(lambda: b.css("#bc-template"), 10, "the form")
        b.shot("phone-new-broadcast")

    def test_09_every_control_is_labelled(self):
        b = self.browser()
        b.sign_in(GW, "admin1")
        unnamed = {}
        for p in ("#/overview", "#/broadcasts/new", "#/broadcasts",
                  "#/feedback", "#/tasks", "#/lookup", "#/texts", "#/users"):
            b.go(p)
            time.sleep(0.3)
            bad = b.js("""
                const out = [];
                for (const el of document.querySelectorAll(
                    'input, select, textarea, button, a[href]')) {
                  if (el.offsetParent === null || el.type === 'hidden') continue;
                  const named = (el.labels && el.labels.length) ||
                    el.getAttribute('aria-label') ||
                    el.getAttribute('aria-labelledby') ||
                    (el.textContent || '').trim() || el.title;
                  if (!named) out.push(el.outerHTML.slice(0, 80));
                }
                return out;""")
            if bad:
                unnamed[p] = bad
        self.assertEqual(unnamed, {})
        # Keyboard: Tab reaches the menu, Enter follows a link.
        b.go("#/overview")
        from selenium.webdriver.common.keys import Keys
        body = b.one("body")
        body.send_keys(Keys.TAB)
        for _ in range(20):
            el = b.d.switch_to.active_element
            if el.get_attribute("data-nav") == "feedback":
                break
            el.send_keys(Keys.TAB)
        self.assertEqual(b.d.switch_to.active_element.get_attribute(
            "data-nav"), "feedback")
        b.d.switch_to.active_element.send_keys(Keys.ENTER)
        b.wait(lambda: "#/feedback" in b.d.current_url, 5, "the feedback page")
        b.shot("admin-feedback")

    def test_10_texts_and_the_phone(self):
        b = self.browser()
        b.sign_in(GW, "office1")
        b.go("#/texts")
        b.wait(lambda: b.css("#tx-panel table"), 10, "the texts")
        # The Yi tab first: its texts are still the Chinese (README).
        states = [r.get_attribute("data-state")
                  for r in b.css("#tx-panel tr[data-state]")]
        self.assertIn("untranslated", states)
        # The phone is the gateway's sandbox (POST /api/v1/console/phone):
        # a feedback through the menu, answered, filed nowhere.
        self.assertFalse(b.css("#ph-number"), "no number to call as")
        before = b.fetch("GET", "/api/v1/feedback?status=open")["body"]
        b.one("#ph-dial").click()
        screen = b.one("#ph-screen")
        b.wait(lambda: screen.get_attribute("data-screen-id") == "main", 10,
               "the main menu")
        for key, want in (("4", "fb"), ("1", "fb_text"),
                          ("演练用的反馈", "fb_confirm"), ("1", "fb_done")):
            b.wait(lambda: b.one("#ph-input").is_enabled(), 10, "CON")
            b.one("#ph-input").send_keys(key)
            b.one("#ph-send").click()
            b.wait(lambda: screen.get_attribute("data-screen-id") == want,
                   10, "screen %s (%s)" % (want, screen.text))
        b.wait(lambda: screen.get_attribute("data-end") == "yes", 10, "END")
        self.assertIn("F0", screen.text)
        self.assertEqual(screen.get_attribute("data-skipped"), "feedback")
        b.shot("texts-phone")
        after = b.fetch("GET", "/api/v1/feedback?status=open")["body"]
        self.assertEqual(len(after["items"]), len(before["items"]))
        self.assertNotIn("演练用的反馈", repr(after))
        used = b.js("return performance.getEntriesByType('resource')"
                    ".map((e) => new URL(e.name).pathname)")
        self.assertIn("/api/v1/console/phone", used)
        self.assertNotIn("/ussd", used)
        self.assertTrue(b.one("#ph-dial").is_enabled())

    def test_11_texts_show_the_menu_tree_and_the_coverage(self):
        b = self.browser()
        b.sign_in(GW, "viewer1")
        b.go("#/texts")
        b.wait(lambda: b.css("#tx-coverage tr[data-lang]"), 10,
               "the coverage table")
        api = b.fetch("GET", "/api/v1/templates?limit=1")["body"]["coverage"]
        shown = {}
        for r in b.css("#tx-coverage tr[data-lang]"):
            shown[r.get_attribute("data-lang")] = {
                c.get_attribute("data-count"):
                int(re.sub(r"[^0-9]", "", c.text))
                for c in r.find_elements("css selector", "td[data-count]")}
        self.assertEqual(set(shown), set(api))
        for lang, c in api.items():
            for k in ("translated", "drafted", "missing", "total"):
                self.assertEqual(shown[lang][k], c[k], (lang, k))
        # Yi: its menu is incomplete, the language menu hides it.
        self.assertEqual(b.one("#tx-coverage tr[data-lang='ii'] "
                               "td[data-offered]").get_attribute(
                                   "data-offered"), "no")
        self.assertEqual(b.one("#tx-coverage tr[data-lang='en'] "
                               "td[data-offered]").get_attribute(
                                   "data-offered"), "yes")
        self.assertTrue(b.css("details[data-lang='ii'] li"),
                        "Yi's missing keys")
        # The tree: main's six options, a screen needing a household, an
        # action, the hidden Yi option.
        main = b.one("#tx-menu li[data-screen='main']")
        self.assertEqual(len(main.find_elements(
            "css selector", ":scope > ul > li")), 6)
        self.assertTrue(b.css("#tx-menu li[data-screen='status'] .tag-need"))
        self.assertTrue(b.css("#tx-menu li[data-screen='fb_done'] "
                              ".tag-action"))
        self.assertTrue(b.css("#tx-menu li.hidden-option .tag-hidden"))
        self.assertTrue(b.css("#tx-menu li[data-screen='cadre']"))
        # In Yi every menu screen is shown in Chinese; in English none.
        self.assertTrue(b.css("#tx-menu li[data-screen='main'] > .tag-zh"))
        b.one("#tx-tab-en").click()
        b.wait(lambda: not b.css("#tx-menu .tag-zh"), 10, "English screens")
        b.one("#tx-tab-bo").click()
        b.js("arguments[0].scrollIntoView()", b.one("#tx-menu"))
        b.shot("texts-menu-tree")
        # A viewer reads it all, but gets no phone.
        self.assertFalse(b.css("#ph-dial"))
        self.assertTrue(b.visible("#ph-read-only"))
        r = b.fetch("POST", "/api/v1/console/phone", {"text": ""})
        self.assertEqual(r["status"], 403, r)
        b.js("window.scrollTo(0, 0)")
        b.tall_shot("texts-coverage", 1400)

    def test_12_settings_drive_the_form_and_the_phone_needs_no_loopback(self):
        """Another gateway: quiet hours 22:30-07:15, a program of its own,
        a second provider that takes approved templates only, and behind a
        proxy, so that no request counts as loopback (POST /ussd 401)."""
        import subprocess
        from selenium.webdriver.support.ui import Select
        gw = Gateway(GW.bin, users=[("office9", "office", "5134")],
                     schedule='quiet_hours = "22:30-07:15"; '
                     'timezone = "Asia/Shanghai";',
                     http="behind_proxy = true;",
                     providers='{ name = "agg"; type = "http_json"; '
                     'url = "http://127.0.0.1:9/send"; '
                     'token = "aggregator-bearer-secret-1"; '
                     'template_code = "approved"; }',
                     extra_conf='programs = ( { code = "JY"; '
                     'name = "就业帮扶"; } );')
        tpl = gw.path("tpl")
        os.mkdir(tpl)
        for part in ("zh", "ii", "bo", "en", "menu.conf"):
            os.symlink(os.path.join(harness.ROOT, "templates", part),
                       os.path.join(tpl, part))
        gw.templates = 'dir = "%s";' % tpl
        # Every outgoing text mapped for "agg" (fupinctl's skeleton, each
        # code filled), or the gateway does not start with it.
        skel = gw.path("skel.conf")
        with open(skel, "w") as f:
            f.write('providers = ( { name = "agg"; type = "http_json"; '
                    'url = "http://127.0.0.1:9/send"; token = '
                    '"aggregator-bearer-secret-1"; template_code = "a"; } );\n'
                    'templates = { dir = "%s"; };\n' % tpl)
        out = subprocess.run([os.path.join(gw.bin, "fupinctl"), "-c", skel,
                              "templates", "skeleton", "agg"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        n = [0]

        def code(_m):
            n[0] += 1
            return 'code = "T%d"' % n[0]
        with open(os.path.join(tpl, "provider_templates.conf"), "w") as f:
            f.write(re.sub(r'code = ""', code, out))
        try:
            gw.start()
            b = self.browser()
            b.sign_in(gw, "office9")
            b.go("#/broadcasts/new")
            quiet = b.one("#bc-quiet")
            self.assertEqual(quiet.get_attribute("data-quiet"), "22:30-07:15")
            self.assertIn("22:30", quiet.text)
            self.assertIn("07:15", quiet.text)
            self.assertIn("Asia/Shanghai", quiet.text)
            progs = [o.get_attribute("value") for o in
                     b.css("#bc-program option")]
            self.assertEqual(progs, ["", "YL", "CY", "XD", "JY"])
            self.assertIn("就业帮扶", b.one("#bc-program").text)
            # Own text through the default provider; not through "agg".
            self.assertTrue(b.visible("#bc-provider"))
            self.assertTrue(b.visible("label[for='%s']" % b.one(
                "input[name='kind'][value='text']").get_attribute("id")))
            Select(b.one("#bc-provider")).select_by_value("agg")
            b.wait(lambda: b.visible("#bc-text-off"), 5, "no own text")
            self.assertFalse(b.visible("input[name='kind'][value='text']"))
            b.shot("new-broadcast-template-provider")
            Select(b.one("#bc-provider")).select_by_value("")
            b.wait(lambda: not b.visible("#bc-text-off"), 5, "own text again")
            # The phone: no loopback here, /ussd refuses the browser, the
            # sandbox route answers.
            r = b.fetch("POST", "/ussd", {"sessionId": "b1",
                                          "serviceCode": "*123#",
                                          "phoneNumber": VILLAGER,
                                          "text": ""}, form=True)
            self.assertEqual(r["status"], 401, r)
            b.go("#/texts")
            b.one("#ph-dial").click()
            screen = b.one("#ph-screen")
            b.wait(lambda: screen.get_attribute("data-screen-id") == "main",
                   10, "the main menu through the sandbox")
            b.one("#ph-input").send_keys("3")
            b.one("#ph-send").click()
            b.wait(lambda: screen.get_attribute("data-screen-id") == "cy", 10,
                   "the 返乡创业 screen")
            b.shot("texts-phone-behind-proxy")
        finally:
            gw.stop()
            gw.cleanup()

    def test_50_admin_adds_a_user_who_signs_in(self):
        b = self.browser()
        b.sign_in(GW, "admin1")
        b.go("#/users")
        b.wait(lambda: b.css("#us-list tr[data-user='office1']"), 10,
               "the user list")
        b.one("#us-name").send_keys("clerk7")
        from selenium.webdriver.support.ui import Select
        Select(b.one("#us-role")).select_by_value("office")
        area = b.one("#us-area")
        area.clear()
        area.send_keys("513431")
        b.one("#us-password").send_keys(NEW_PASSWORD)
        b.one("#us-password2").send_keys(NEW_PASSWORD)
        b.one("#us-add").click()
        row = b.wait(lambda: b.css("#us-list tr[data-user='clerk7']"), 10,
                     "the new user in the list")[0]
        self.assertEqual(row.get_attribute("data-state"), "active")
        self.assertIn("513431", row.text)
        self.assertIn("clerk7", b.one("#us-result").text)
        b.tall_shot("users-added")
        api = b.fetch("GET", "/api/v1/users")["body"]
        mine = [u for u in api["items"] if u["name"] == "clerk7"]
        self.assertEqual(mine[0]["role"], "office")
        self.assertNotIn("argon2", repr(api))
        # The new clerk signs in and works inside 513431; no Users page.
        b.quit()
        self.b = b = self.browser()
        b.sign_in(GW, "clerk7", NEW_PASSWORD)
        self.assertIn("clerk7", b.one("#who-name").text)
        self.assertFalse(b.css("a[data-nav='users']"))
        r = b.fetch("GET", "/api/v1/users")
        self.assertEqual(r["status"], 403, r)
        r = b.fetch("POST", "/api/v1/users", {
            "name": "sneaky", "role": "admin", "password": NEW_PASSWORD})
        self.assertEqual(r["status"], 403, r)
        b.go("#/users")
        self.assertFalse(b.css("#us-form"))

    def test_51_admin_unlocks_a_locked_out_user(self):
        admin = self.browser()
        admin.sign_in(GW, "admin1")     # before the lockout: a session
        clerk = Browser(SHOTS)
        try:
            for i in range(5):
                clerk.sign_in(GW, "lock2", "wrong-password-%d" % i,
                              expect_ok=False)
                clerk.wait(lambda: clerk.visible("#login-error") or
                           "登录尝试过多" in clerk.d.page_source, 10,
                           "the answer to attempt %d" % (i + 1))
            clerk.sign_in(GW, "lock2", PASSWORD, expect_ok=False)
            clerk.wait(lambda: "登录尝试过多" in clerk.d.page_source, 10,
                       "the lockout page")
            # The admin's session goes on; the page shows the lockout.
            admin.go("#/users")
            row = admin.wait(lambda: admin.css(
                "#us-list tr[data-user='lock2'][data-state='locked']"), 10,
                "lock2 locked")[0]
            admin.shot("users-locked")
            row.find_element("css selector", ".us-unlock").click()
            admin.wait(lambda: admin.css(
                "#us-list tr[data-user='lock2'][data-state='active']"), 10,
                "lock2 unlocked")
            self.assertIn("lock2", admin.one("#us-result").text)
            # Its failures forgotten, the office's address too: it signs in.
            clerk.sign_in(GW, "lock2", PASSWORD)
            self.assertIn("lock2", clerk.one("#who-name").text)
        finally:
            errors = clerk.js_errors()
            clerk.quit()
        self.assertEqual(errors, [])
        audit = [u for u in admin.fetch("GET", "/api/v1/users")["body"]
                 ["items"] if u["name"] == "lock2"]
        self.assertIsNone(audit[0]["locked_until"])

    def test_52_cadre_picker_and_feedback_filters_ask_the_gateway(self):
        from selenium.webdriver.support.ui import Select
        b = self.browser()
        b.sign_in(GW, "office1")
        b.go("#/tasks")
        b.one("#tk-cadre").send_keys("李明")
        b.wait(lambda: b.css("#tk-form datalist option[value='%s']" %
                             CADRE_ID), 10, "the gateway's search")
        used = b.js("return performance.getEntriesByType('resource')"
                    ".map((e) => new URL(e.name).pathname + new URL(e.name)"
                    ".search)")
        self.assertTrue([u for u in used if u.startswith("/api/v1/cadres?")
                         and "q=" in u], used)
        b.one("#tk-cadre").send_keys("辉")          # the whole name
        b.one("#tk-add").click()
        b.wait(lambda: b.css("#tk-chosen li[data-cadre='%s']" % CADRE_ID), 10,
               "the cadre chosen by name")
        # 甘孜's cadres are not found from 凉山.
        other = [c for c in b.fetch("GET", "/api/v1/cadres?limit=500")
                 ["body"]["items"] if not c["area_code"].startswith("5134")]
        self.assertEqual(other, [])
        # The inbox: the category is the gateway's filter.
        GW.mo(VILLAGER, "FK 分类测试的反馈")
        b.go("#/feedback")
        b.wait(lambda: [r for r in b.css("#fb-list tr[data-ticket]")
                        if "分类测试" in r.text], 10, "the new ticket")
        Select(b.one("#fb-category")).select_by_value("water")
        b.wait(lambda: not [r for r in b.css("#fb-list tr[data-ticket]")
                            if "分类测试" in r.text], 10, "filtered out")
        for r in b.css("#fb-list tr[data-ticket]"):
            self.assertEqual(r.get_attribute("data-category"), "water")
        Select(b.one("#fb-category")).select_by_value("none")
        b.wait(lambda: [r for r in b.css("#fb-list tr[data-ticket]")
                        if "分类测试" in r.text], 10, "an FK has no category")
        used = b.js("return performance.getEntriesByType('resource')"
                    ".map((e) => new URL(e.name).search)")
        self.assertTrue([u for u in used if "category=none" in u], used)
        b.shot("feedback-category")

    def test_99_lockout_after_five_wrong_passwords(self):
        b = self.browser()
        locked = lambda: "登录尝试过多" in b.d.page_source  # noqa: E731
        for i in range(4):
            b.sign_in(GW, "lock1", "wrong-password-%d" % i, expect_ok=False)
            b.wait(lambda: b.visible("#login-error"), 10,
                   "the message for attempt %d" % (i + 1))
            self.assertIn("error=1", b.d.current_url)
        b.shot("login-failed")
        # The fifth failure locks: 429 for 15 minutes, even for the right
        # password, and for another user from the same client.
        b.sign_in(GW, "lock1", "wrong-password-4", expect_ok=False)
        b.wait(lambda: locked() or b.visible("#login-error"), 10,
               "the answer to attempt 5")
        b.sign_in(GW, "lock1", PASSWORD, expect_ok=False)
        b.wait(locked, 10, "the lockout page")
        self.assertFalse(b.css("#who-name"))
        b.shot("lockout")
        r = GW.post_form("/console/login", {"username": "lock1",
                                            "password": PASSWORD})
        self.assertEqual(r[0], 429)


def main(argv):
    global GW, SHOTS
    if len(argv) < 2:
        sys.stderr.write("usage: console_test.py BIN_DIR [SHOT_DIR]\n")
        return 64
    try:
        import selenium  # noqa: F401
    except ImportError:
        sys.stderr.write("console_test: python3-selenium is missing "
                         "(make deps; run with /usr/bin/python3)\n")
        return 69
    for tool in (harness.CHROMEDRIVER, "/usr/bin/chromium"):
        if not os.access(tool, os.X_OK):
            sys.stderr.write("console_test: %s is missing (make deps)\n" % tool)
            return 69
    SHOTS = os.path.abspath(argv[2] if len(argv) > 2 else
                            os.path.join(harness.ROOT, "build", "browser-shots"))
    GW = Gateway(argv[1], users=USERS)
    try:
        GW.start()
        print("console_test: gateway on %s, screenshots in %s" % (GW.url, SHOTS))
        names = sys.argv[3:] if len(argv) > 3 else None
        loader = unittest.TestLoader()
        suite = (loader.loadTestsFromNames(names, ConsoleTest) if names else
                 loader.loadTestsFromTestCase(ConsoleTest))
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        if not result.wasSuccessful():
            print("gateway log, last lines:\n" + GW.log_tail())
        return 0 if result.wasSuccessful() else 1
    finally:
        GW.stop()
        GW.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
