"""Crash and concurrency harness (issue 6): an MTA appends thousands of
messages to a user's INBOX with the dotlock + flock protocol while random
imapd and ipop3d sessions read, flag, delete (even ids only), expunge and
quit -- or are killed with SIGKILL at random moments, some right after
the command that rewrites the mailbox.  Then, after one clean read/write
open (which finishes any interrupted rewrite), the mailbox is parsed
independently and by imapd, and every message must be there exactly once
and intact: each odd id once, each even id at most once, nothing else.

Environment: DELIVER_MESSAGES (default 2000), DELIVER_SEED (default: a
new one, printed), DELIVER_WORKERS (concurrent sessions, default 3),
DELIVER_PAUSE (mean pause between deliveries, default 0.01 s),
DELIVER_KEEP=DIR (copy the scratch files there when the test fails).
See docs/testing-delivery.md."""
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import mailbox

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "ipop3d"))
from harness import FORMATS, StaleLocks, body_problem, unquote_from  # noqa: E402
from popserver import IMAPD, NOBODY, PASSWORD, ROOT, Server  # noqa: E402
import sessions  # noqa: E402
from sessions import Imap, Stats, fetch_items  # noqa: E402

MESSAGES = int(os.environ.get("DELIVER_MESSAGES", "2000"))
SEED = int(os.environ.get("DELIVER_SEED") or random.SystemRandom().randrange(1 << 31))
WORKERS = int(os.environ.get("DELIVER_WORKERS", "3"))
USER = "harness" if ROOT else __import__("pwd").getpwuid(os.getuid()).pw_name


def as_user(argv):
    """argv run as the account (nobody) when we are root, as an MTA's
    local delivery does."""
    if ROOT:
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--clear-groups"] + argv
    return argv


class Harness:
    def __init__(self, fmt_name, srv):
        self.srv = srv
        self.dir = srv.scratch
        srv.write_mailbox(USER, b"")            # an empty INBOX
        self.fmt = FORMATS[fmt_name](srv.spool_path(USER))
        self.stats = Stats(os.path.join(self.dir, "sessions.log"))
        self.stderr = open(os.path.join(self.dir, "servers.log"), "ab")
        self.imap_env = {
            "imapd": [IMAPD, "--passwd", srv.passwd_file, "--config",
                      srv.config_file, "--syslog-stderr"],
            # as root imapd on a pipe asks for LOGIN; otherwise it is
            # preauthenticated as us (USER), whose INBOX is the same file
            "login": 'LOGIN %s "%s"' % (USER, PASSWORD) if ROOT else None,
            "env": dict(os.environ),
            "stderr": self.stderr,
        }
        self.pop_env = {"pop": srv, "user": USER, "password": PASSWORD}

    # --------------------------------------------------------- the run
    def worker(self, wid, stop, counter):
        rnd = random.Random("%d-%d" % (SEED, wid))
        while not stop.is_set():
            with counter[1]:
                counter[0] += 1
                sid = counter[0]
            if rnd.random() < 0.6:
                sessions.imap_session(sid, rnd, self.imap_env, self.stats)
            else:
                sessions.pop_session(sid, rnd, self.pop_env, self.stats)
            time.sleep(rnd.uniform(0, 0.05))

    def run(self):
        deliverer = subprocess.Popen(
            as_user([sys.executable, os.path.join(HERE, "deliver.py"), self.fmt.name,
                     self.fmt.path, str(MESSAGES), str(SEED)]),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        stop, counter = threading.Event(), [0, threading.Lock()]
        workers = [threading.Thread(target=self.worker, args=(w, stop, counter))
                   for w in range(WORKERS)]
        for w in workers:
            w.start()
        janitor = StaleLocks(self.fmt.path)
        try:
            out = deliverer.communicate(timeout=1800)[0].decode()
        finally:
            stop.set()
            if deliverer.poll() is None:
                deliverer.kill()
            while any(w.is_alive() for w in workers):
                janitor.poll()      # a killed session's dotlock: sessions wait on it
                time.sleep(0.05)
        assert deliverer.returncode == 0, out
        self.delivered_ids = [int(x) for line in out.splitlines()
                              if line.startswith("ids ") for x in line.split()[1:]]
        self.deliverer_out = out.strip().splitlines()[-1]
        with open(os.path.join(self.dir, "deliverer.out"), "w") as f:
            f.write(out)
        self.sessions = counter[0]
        # Everything has stopped: a dotlock left now is a killed session's.
        try:
            os.unlink(self.fmt.lockname)
            self.leftover_lock = 1
        except FileNotFoundError:
            self.leftover_lock = 0
        self.janitor_broken = janitor.broken

    # --------------------------------------------------------- imapd
    def imap(self, commands):
        s = Imap(self.imap_env["imapd"], self.imap_env["env"], self.stderr)
        try:
            s.greeting()
            if self.imap_env["login"]:
                _, t = s.command(self.imap_env["login"])
                assert " OK" in t, t
            replies = [s.command(c) for c in commands]
            s.command("LOGOUT")
        finally:
            rc = s.close()
        assert rc == 0, "imapd exited %s" % rc
        return replies

    def summary(self, gone):
        c = self.stats.get
        kills = sum(c(k) for k in ("imap-killed", "pop-killed"))
        return ("deliver[%s seed=%d]: %s; %d sessions (imap %d done %d kod, "
                "pop %d quit %d dropped), %d killed, kod-sent %d, readonly %d, "
                "in-use %d, stale dotlocks broken %d+%d; even ids deleted %d" % (
                    self.fmt.name, SEED, self.deliverer_out, self.sessions,
                    c("imap-done"), c("imap-kod"), c("pop-quit"), c("pop-dropped"),
                    kills, c("kod-sent"), c("imap-readonly"), c("pop-in-use"),
                    self.janitor_broken, self.leftover_lock, gone))


def check_bamboo_view(h, parsed_ids):
    """imapd's view of the final mailbox agrees with the file."""
    replies = h.imap(["EXAMINE INBOX"] + (
        ["FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (X-HARNESS-ID)] "
         "BODY.PEEK[TEXT])"] if parsed_ids else []))
    for u, t in replies:
        assert " OK" in t, t
    u = replies[-1][0] if parsed_ids else []
    items = fetch_items(u)
    seqs = sorted(items)
    assert seqs == list(range(1, len(parsed_ids) + 1)), \
        "imapd sees %d messages, the file holds %d" % (len(seqs), len(parsed_ids))
    uids = [items[k][0] for k in seqs]
    assert all(a < b for a, b in zip(uids, uids[1:])), \
        "UIDs not strictly increasing: %r" % uids
    ids = [items[k][1] for k in seqs]
    assert ids == parsed_ids, "imapd's ids differ from the file's"
    for k in seqs:
        uid, hid, flags, text = items[k]
        problem = body_problem(hid, unquote_from(text or b""))
        assert text is not None and problem is None, \
            "imapd: message %d: %s" % (hid, problem)
        assert hid % 2 == 0 or "\\Deleted" not in flags, \
            "odd message %d carries \\Deleted" % hid


def keep_evidence(h, why):
    base = os.environ.get("DELIVER_KEEP")
    if not base:
        return "(set DELIVER_KEEP=DIR to keep the files)"
    n = 1
    while os.path.exists(os.path.join(base, "deliver-bug-%d" % n)):
        n += 1
    dest = os.path.join(base, "deliver-bug-%d" % n)
    shutil.copytree(h.dir, dest, symlinks=True)
    with open(os.path.join(dest, "WHY"), "w") as f:
        f.write("seed %d messages %d workers %d\n%s\n" % (SEED, MESSAGES, WORKERS, why))
    return "files kept in " + dest


@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
def test_delivery_under_sessions_and_kills(fmt_name, capsys):
    assert os.access(IMAPD, os.X_OK), "%s is not built" % IMAPD
    assert not ROOT or shutil.which("setpriv"), "setpriv missing (util-linux)"
    with Server(accounts=[USER]) as srv:
        h = Harness(fmt_name, srv)
        session_lock = h.fmt.session_lock()
        try:
            h.run()
            # One clean read/write open: finishes any interrupted rewrite.
            (u, t), _ = h.imap(["SELECT INBOX", "CHECK"])
            assert "[READ-WRITE]" in t, (u, t)
            assert h.fmt.journals() == [], "a rewrite journal is left after a clean open"
            delivered = h.delivered_ids
            assert delivered == list(range(1, MESSAGES + 1))
            gone = verify(h, delivered)
            with capsys.disabled():
                print("\n" + h.summary(gone))
        except BaseException as e:
            where = keep_evidence(h, repr(e))
            print("FAILED with seed %d: %s" % (SEED, where))
            raise
        finally:
            h.stderr.close()
            if os.path.exists(session_lock):
                os.unlink(session_lock)


def verify(h, delivered):
    msgs, problems = h.fmt.parse()
    assert problems == [], problems[:10]
    pseudo = [i for i, (hid, _, _) in enumerate(msgs) if hid is None]
    assert pseudo in ([], [0]), "messages without an id at %r" % pseudo[:10]
    if pseudo:
        assert b"FOLDER INTERNAL DATA" in msgs[0][1], msgs[0][1][:300]
    real = [m for m in msgs if m[0] is not None]
    seen = {}
    for hid, raw, text in real:
        seen[hid] = seen.get(hid, 0) + 1
        problem = body_problem(hid, text)
        assert problem is None, "message %d: %s" % (hid, problem)
    dup = sorted(k for k, v in seen.items() if v > 1)
    assert dup == [], "duplicated ids: %r" % dup[:20]
    unknown = sorted(set(seen) - set(delivered))
    assert unknown == [], "ids never delivered: %r" % unknown[:20]
    lost = [n for n in delivered if n % 2 and n not in seen]
    assert lost == [], "odd ids lost: %r" % lost[:20]
    gone = [n for n in delivered if n % 2 == 0 and n not in seen]
    assert len(seen) == len(delivered) - len(gone)
    order = [m[0] for m in real]
    assert order == sorted(order), "messages out of delivery order"
    # The standard library's reader counts the same messages.
    box = mailbox.mbox(h.fmt.path, create=False)
    try:
        assert len(box) == len(msgs)
    finally:
        box.close()
    check_bamboo_view(h, order)
    # Sanitizer reports or crashes in any server process
    with open(h.stderr.name, "rb") as f:
        errs = [l for l in f.read().decode("latin-1").splitlines()
                if "Sanitizer" in l or "runtime error" in l]
    assert errs == [], errs[:10]
    assert h.stats.errors == [], h.stats.errors[:10]
    assert h.stats.get("pop-quit") + h.stats.get("imap-done") > 0, "no session completed"
    assert h.stats.get("imap-killed") + h.stats.get("pop-killed") > 0, "no session killed"
    return len(gone)
