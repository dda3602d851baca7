#!/usr/bin/env bash
# The attacks of issue 12, tried against one expire-bot binary, one line per attack:
#
#   bash scripts/attacks.sh path/to/expire-bot
#
# Each attack starts the binary on the embedded SQLite default (a fresh directory, seeded
# with the demo riders) against a Slack Web API stand-in written here (Python, stdlib
# only), sends what an attacker would (signed with the bot's signing secret where Slack
# would sign), and prints what became of it. Nothing here needs PostgreSQL: what only a
# server database shows (the approval function's search_path, the roles' grants, the TTL
# on the database's clock between instances with skewed clocks) and Socket Mode's logs are
# proved by tests/it/hardening.rs instead; see docs/RELIABILITY.md.
set -euo pipefail
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ -x "$BIN" ]] || { echo "usage: $0 path/to/expire-bot" >&2; exit 2; }
exec python3 - "$BIN" <<'PY'
import hashlib, hmac, http.server, json, os, socket, sqlite3, subprocess, sys, tempfile
import threading, time, urllib.parse, urllib.request

BIN = sys.argv[1]
SECRET = "attack-signing-secret"
TEAM, APP, AGENT, LEAD, GUEST = "T0TEAM", "A0APP", "U0AGENT", "U0LEAD1", "U0GUEST"

# ---- the Slack Web API stand-in ----------------------------------------------------------
class Slack:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []            # (method, args)
        self.messages = {}         # channel -> [message]
        self.n = 0
        self.slow_once = set()     # channels whose first post is answered after 7 s

    def answer(self, method, args):
        with self.lock:
            self.calls.append((method, args))
        if method == "auth.test":
            return {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "expire-bot",
                    "team_id": TEAM, "user_id": "U0BOT", "bot_id": "B0BOT"}
        if method == "bots.info":
            return {"ok": True, "bot": {"id": "B0BOT", "deleted": False, "name": "expire-bot",
                    "updated": 1700000000, "app_id": APP, "user_id": "U0BOT"}}
        if method == "users.info":
            u = args.get("user", "")
            return {"ok": True, "user": {"id": u, "team_id": TEAM, "name": u.lower(), "deleted": False,
                    "is_restricted": u == GUEST, "is_ultra_restricted": False, "is_bot": False}}
        if method == "usergroups.users.list":
            return {"ok": True, "users": [LEAD]}
        if method in ("views.open", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V0OPENED", "team_id": TEAM, "type": "modal"}}
        if method == "chat.postMessage":
            ch = args.get("channel", "")
            if ch == "C0GONE":
                return {"ok": False, "error": "channel_not_found"}
            with self.lock:
                self.n += 1
                ts = f"{int(time.time())}.{self.n:06d}"
                meta = args.get("metadata")
                if isinstance(meta, str):
                    try: meta = json.loads(meta)
                    except Exception: meta = None
                msg = {"type": "message", "ts": ts, "text": args.get("text"), "blocks": args.get("blocks"),
                       "metadata": meta, "bot_id": "B0BOT", "user": "U0BOT"}
                if not args.get("thread_ts"):
                    self.messages.setdefault(ch, []).append(msg)
                slow = ch in self.slow_once
                self.slow_once.discard(ch)
            if slow:
                time.sleep(7)
            return {"ok": True, "channel": ch, "ts": ts, "message": {k: v for k, v in msg.items() if k != "metadata"}}
        if method == "conversations.history":
            ch = args.get("channel", "")
            oldest = float(args.get("oldest", "0") or 0)
            with self.lock:
                msgs = [m for m in self.messages.get(ch, []) if float(m["ts"]) > oldest]
            out = []
            for m in reversed(msgs):
                m = {k: v for k, v in m.items() if v is not None}
                if str(args.get("include_all_metadata")) != "true":
                    m.pop("metadata", None)
                out.append(m)
            return {"ok": True, "messages": out, "has_more": False, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": args.get("channel"), "name": "approvals", "is_member": True}}
        return {"ok": True}

    def count(self, method, **want):
        with self.lock:
            return sum(1 for m, a in self.calls if m == method and all(a.get(k) == v for k, v in want.items()))

def serve_slack(slack):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def handle_one(self, body):
            u = urllib.parse.urlparse(self.path)
            method = u.path.rsplit("/", 1)[-1]
            args = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
            ctype = self.headers.get("content-type", "")
            if body:
                if "json" in ctype:
                    try: args.update(json.loads(body))
                    except Exception: pass
                else:
                    args.update({k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()})
            out = json.dumps(slack.answer(method, args)).encode()
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot gave up waiting (the timeout attack): Slack "posted" anyway
        def do_GET(self): self.handle_one(b"")
        def do_POST(self):
            n = int(self.headers.get("content-length", "0"))
            self.handle_one(self.rfile.read(n))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv

# ---- one bot -----------------------------------------------------------------------------
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

class Bot:
    def __init__(self, channel="C0APPROVALS", env=None):
        self.slack = Slack()
        self.srv = serve_slack(self.slack)
        self.dir = tempfile.mkdtemp(prefix="attack-")
        self.port = free_port()
        e = {"PATH": os.environ.get("PATH", ""), "SLACK_SIGNING_SECRET": SECRET,
             "SLACK_BOT_TOKEN": "xoxb-attack", "SLACK_API_URL": f"http://127.0.0.1:{self.srv.server_port}/api",
             "APPROVAL_CHANNEL_ID": channel, "APPROVER_USER_IDS": LEAD, "BIND_ADDR": f"127.0.0.1:{self.port}",
             "LOG_FORMAT": "json", "DIGEST_SCHEDULE": "off"}
        e.update(env or {})
        self.log = open(os.path.join(self.dir, "bot.log"), "w")
        self.proc = subprocess.Popen([BIN, "serve"], cwd=self.dir, env=e, stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        time.sleep(0.5)

    def stop(self):
        self.proc.terminate()
        try: self.proc.wait(10)
        except Exception: self.proc.kill()
        self.srv.shutdown()

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, "expire-bot.db"))

    def post(self, route, body, ts=None):
        ts = ts or int(time.time())
        sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{route}", data=body.encode(), method="POST",
              headers={"content-type": "application/x-www-form-urlencoded",
                       "x-slack-request-timestamp": str(ts), "x-slack-signature": sig})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text.strip() else None)
        except urllib.error.HTTPError as e:
            return e.code, None

def command(user, text, team=TEAM):
    f = {"token": "x", "team_id": team, "team_domain": "acme", "channel_id": "C0CXDESK", "channel_name": "cx-desk",
         "user_id": user, "user_name": user.lower(), "command": "/expire-insurance", "text": text, "api_app_id": APP,
         "response_url": f"https://hooks.slack.com/commands/{team}/1/a", "trigger_id": "13345224609.738474920.8088930838d88f008e0"}
    return urllib.parse.urlencode(f)

VIEW_N = [0]
def submission(user, query, reason, team=TEAM, user_team=TEAM, app=APP):
    VIEW_N[0] += 1
    vid = f"V0ATTACK{VIEW_N[0]}"
    at = int(time.time()) - 3600
    values = {"rider_query": {"rider_query": {"type": "plain_text_input", "value": query}},
              "cancelled_at": {"cancelled_at": {"type": "datetimepicker", "selected_date_time": at}},
              "reason": {"reason": {"type": "plain_text_input", "value": reason}}}
    view = {"id": vid, "team_id": team, "type": "modal", "blocks": [], "private_metadata": "",
            "callback_id": "expiry_request", "state": {"values": values}, "hash": "1700000000.x",
            "title": {"type": "plain_text", "text": "Expire insurance"}, "root_view_id": vid,
            "previous_view_id": None, "app_id": app, "bot_id": "B0BOT", "external_id": "",
            "clear_on_close": False, "notify_on_close": False}
    p = {"type": "view_submission", "team": {"id": team, "domain": "acme"},
         "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": user_team},
         "api_app_id": app, "token": "x", "trigger_id": "1.2.3", "view": view, "response_urls": [],
         "is_enterprise_install": False, "enterprise": None}
    return "payload=" + urllib.parse.quote(json.dumps(p))

def requests(bot):
    with bot.db() as c:
        return c.execute("SELECT COUNT(*) FROM expiry_requests").fetchone()[0]

# ---- the attacks -------------------------------------------------------------------------
RAW = ["990105-2345678", "2345678", "990105", "1999년 1월 5일", "이 서연", "010 - 1234 - 5678", "010\u20131234\u20135678", "82-10-1234-5678"]

def pd_in_reason():
    bot = Bot()
    try:
        reason = "rider 이 서연 (990105-2345678, born 1999년 1월 5일) called from 010 - 1234 - 5678 / 010\u20131234\u20135678 / 82-10-1234-5678; CX-88"
        bot.post("/slack/interactions", submission(AGENT, "010-1234-5678", reason))
        time.sleep(3)
        sent = json.dumps([a for m, a in bot.slack.calls if m == "chat.postMessage"], ensure_ascii=False)
        with bot.db() as c:
            stored = " ".join(r[0] for r in c.execute("SELECT reason FROM expiry_requests"))
        leaked = [r for r in RAW if r in sent or r in stored]
        return f"LEAKED to Slack/DB: {leaked}" if leaked else "masked everywhere (Slack and database)"
    finally:
        bot.stop()

def guest_lookup():
    bot = Bot()
    try:
        _, a = bot.post("/slack/commands", command(GUEST, "history 1004"))
        text = json.dumps(a, ensure_ascii=False) if a else ""
        return "ANSWERED a guest with the rider (이*연)" if "이*연" in text else "refused the guest"
    finally:
        bot.stop()

def lookup_flood():
    bot = Bot()
    try:
        answered = 0
        for _ in range(31):
            _, a = bot.post("/slack/commands", command(AGENT, "history 1004"))
            answered += "이*연" in json.dumps(a or {}, ensure_ascii=False)
        return f"{answered}/31 history lookups answered" + (" (no limit)" if answered == 31 else " (limited, 30 an hour)")
    finally:
        bot.stop()

def other_team():
    bot = Bot()
    try:
        results = []
        for label, kw in [("team T0OTHER", dict(team="T0OTHER", user_team="T0OTHER")),
                          ("user of T0OTHER", dict(user_team="T0OTHER")),
                          ("app A0OTHER", dict(app="A0OTHER"))]:
            before = requests(bot)
            _, a = bot.post("/slack/interactions", submission(AGENT, "010-1234-5678", "CX-1", **kw))
            time.sleep(0.3)
            results.append(f"{label}: {'FILED' if requests(bot) > before else 'refused'}")
            with bot.db() as c:
                c.execute("UPDATE expiry_requests SET status = 'REJECTED' WHERE status = 'PENDING'")
        return "; ".join(results)
    finally:
        bot.stop()

def replay():
    bot = Bot()
    try:
        body = submission(AGENT, "010-1234-5678", "CX-replay")
        ts = int(time.time())
        bot.post("/slack/interactions", body, ts)
        with bot.db() as c:   # a lead rejected it meanwhile
            c.execute("UPDATE expiry_requests SET status = 'REJECTED', decided_by = 'U0LEAD1'")
        _, again = bot.post("/slack/interactions", body, ts)
        n = requests(bot)
        return f"the same signed bytes filed {n} requests" + (" (FILED AGAIN)" if n > 1 else " (replay answered as already filed)")
    finally:
        bot.stop()

def read_until(sock, limit):
    sock.settimeout(limit)
    start = time.time()
    got = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return "closed", time.time() - start, got
            got += chunk
            if b"\r\n\r\n" in got:
                return "answered", time.time() - start, got
    except socket.timeout:
        return "open", time.time() - start, got

def slowloris():
    bot = Bot()
    try:
        s = socket.create_connection(("127.0.0.1", bot.port))
        s.sendall(b"POST /slack/commands HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n")
        what, took, got = read_until(s, 20)
        s.close()
        if what == "open":
            return "half-headers connection STILL OPEN after 20 s"
        first = got.split(b"\r\n")[0].decode() or "no answer"
        return f"half-headers connection {what} after {took:.0f} s ({first})"
    finally:
        bot.stop()

def slow_body():
    bot = Bot()
    try:
        s = socket.create_connection(("127.0.0.1", bot.port))
        s.sendall((f"POST /slack/commands HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   f"Content-Length: {2*1024*1024}\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\n\r\n").encode())
        stop = threading.Event()
        def trickle():
            while not stop.is_set():
                try: s.sendall(b"a" * 1024)
                except Exception: return
                time.sleep(1)
        threading.Thread(target=trickle, daemon=True).start()
        what, took, got = read_until(s, 20)
        stop.set(); s.close()
        if what == "open":
            return "2 MiB body at 1 KiB/s: STILL WAITING for it after 20 s"
        first = got.split(b"\r\n")[0].decode() or what
        return f"2 MiB body at 1 KiB/s: {first} after {took:.0f} s"
    finally:
        bot.stop()

def outbox_permanent():
    bot = Bot(channel="C0GONE")
    try:
        bot.post("/slack/interactions", submission(AGENT, "010-1234-5678", "CX-1"))
        time.sleep(12)
        tries = bot.slack.count("chat.postMessage", channel="C0GONE")
        told = bot.slack.count("chat.postMessage", channel=AGENT)
        return f"channel_not_found: posted {tries} times in 12 s, requester told {told} time(s)"
    finally:
        bot.stop()

def outbox_timeout():
    bot = Bot(channel="C0SLOW")
    bot.slack.slow_once.add("C0SLOW")
    try:
        bot.post("/slack/interactions", submission(AGENT, "010-1234-5678", "CX-1"))
        time.sleep(20)
        live = len(bot.slack.messages.get("C0SLOW", []))
        return f"post answered after the bot's timeout: {live} approval message(s) in the channel" + (" (DUPLICATE with live buttons)" if live > 1 else "")
    finally:
        bot.stop()

def check_config():
    env = {"PATH": os.environ.get("PATH", ""), "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-x",
           "SLACK_API_URL": "http://slack.example.invalid/api", "APPROVAL_CHANNEL_ID": "C0APPROVALS",
           "APPROVER_USER_IDS": LEAD, "DATABASE_URL": "postgres://bot:pw@db.example.invalid:5432/expire_bot"}
    out = subprocess.run([BIN, "check-config"], env=env, capture_output=True, text=True, timeout=60).stdout
    warns = [l.split(":")[0] for l in out.splitlines() if l.startswith("[warn]")]
    return f"{len(warns)} warning(s) for open REQUESTER_*, non-TLS DATABASE_URL, plain-http SLACK_API_URL: {warns}"

ATTACKS = [("2 personal data in a reason", pd_in_reason), ("4 guest runs history", guest_lookup),
           ("4 31 lookups in a row", lookup_flood), ("5 other workspace/app submission", other_team),
           ("6 replayed submission", replay), ("7 slowloris (half headers)", slowloris),
           ("7 slow 2 MiB body", slow_body), ("8 permanent Slack error", outbox_permanent),
           ("8 post timed out but delivered", outbox_timeout), ("9 check-config warnings", check_config)]
print(f"attacks against {BIN}")
only = os.environ.get("ATTACKS")
for name, f in ATTACKS:
    if only and not any(o in name for o in only.split(",")):
        continue
    try:
        outcome = f()
    except Exception as e:
        outcome = f"error running the attack: {e!r}"
    print(f"item {name:<36} -> {outcome}", flush=True)
PY
