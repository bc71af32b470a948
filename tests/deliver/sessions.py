"""The harness's random IMAP and POP sessions, used as real clients use
the servers: imapd on a pipe with LOGIN against the account file (as a
login program would run it), ipop3d under tcpserver (popserver.Server).
Every session may be killed with SIGKILL at a random moment; sessions
count what the session lock did to them (kiss of death, [READ-ONLY],
[IN-USE]).  Content read back is checked against harness.body()."""
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

from harness import body_problem, unquote_from

IO_TIMEOUT = 60         # seconds: a server silent this long is hung


class Hung(Exception):
    pass


class Gone(Exception):
    """The server closed the connection (killed, or BYE)."""

    def __init__(self, bye=None):
        Exception.__init__(self, bye or "connection closed")
        self.bye = bye


class Stats:
    """Counters and problems shared by all workers (thread-safe)."""

    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.counts = {}
        self.errors = []
        self.log = open(log_path, "a")
        self.avg = {}

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def error(self, text):
        with self.lock:
            self.errors.append(text)

    def note(self, text):
        with self.lock:
            self.log.write(text + "\n")
            self.log.flush()

    def duration(self, key, seconds=None):
        """A moving average of how long `key` takes (for kill timing)."""
        with self.lock:
            if seconds is not None:
                old = self.avg.get(key, seconds)
                self.avg[key] = 0.8 * old + 0.2 * seconds
            return self.avg.get(key, 0.05)

    def get(self, key):
        return self.counts.get(key, 0)


class Killer:
    """SIGKILL for one session: at a random moment, or shortly after the
    command that rewrites the mailbox (EXPUNGE, CLOSE, QUIT)."""

    def __init__(self, rnd, stats, kind):
        self.stats, self.kind = stats, kind
        r = rnd.random()
        self.mode = "none" if r < 0.35 else "timer" if r < 0.7 else "rewrite"
        self.delay = rnd.uniform(0, 1.3 * stats.duration(kind)) \
            if self.mode == "timer" else rnd.uniform(0, 1.5 * stats.duration(kind + "-rewrite"))
        self.pid = None
        self.timer = None
        self.fired = False
        self.watchdog = None
        self.hung = False

    def _kill(self, hung=False):
        if self.pid is not None:
            self.hung = self.hung or hung
            self.fired = True
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def start(self, pid):
        self.pid = pid
        self.watchdog = threading.Timer(3 * IO_TIMEOUT, self._kill, (True,))
        self.watchdog.start()
        if self.mode == "timer":
            self.timer = threading.Timer(self.delay, self._kill)
            self.timer.start()

    def rewriting(self):
        if self.mode == "rewrite" and self.timer is None:
            self.timer = threading.Timer(self.delay, self._kill)
            self.timer.start()

    def stop(self):
        for t in (self.timer, self.watchdog):
            if t is not None:
                t.cancel()
        self.pid = None


# ------------------------------------------------------------ IMAP

class Imap:
    """imapd on a pipe.  command() returns (untagged, tagged): untagged is
    a list of (line, [literals]) with line the text including the {n}
    markers; raises Gone on end of file (after a BYE: Gone.bye)."""

    def __init__(self, argv, env, stderr):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=stderr,
                                     env=env, start_new_session=True)
        self.fd = self.proc.stdout.fileno()
        self.buf = b""
        self.tag = 0
        self.bye = None

    def _fill(self):
        r, _, _ = select.select([self.fd], [], [], IO_TIMEOUT)
        if not r:
            raise Hung("imapd silent for %ds" % IO_TIMEOUT)
        data = os.read(self.fd, 65536)
        if not data:
            raise Gone(self.bye)
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        """One response: (line, literals)."""
        line, lits = self._line(), []
        while True:
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                break
            lits.append(self._take(int(m.group(1))))
            line += b"\0" + self._line()
        if line.startswith(b"* BYE"):
            self.bye = line.decode("latin-1")
        return line, lits

    def drain(self):
        """After a failed write: read what the server said before it went
        (a BYE) up to end of file."""
        try:
            while True:
                self.response()
        except (Gone, Hung):
            pass

    def greeting(self):
        return self.response()[0]

    def command(self, text):
        self.tag += 1
        tag = b"h%d" % self.tag
        try:
            self.proc.stdin.write(tag + b" " + text.encode() + b"\r\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.drain()
            raise Gone(self.bye)
        untagged = []
        while True:
            line, lits = self.response()
            if line.startswith(tag + b" "):
                return untagged, line.decode("latin-1")
            untagged.append((line, lits))

    def close(self):
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        try:
            return self.proc.wait(IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def fetch_items(untagged):
    """{seq: (uid, id or None, flags, text literal or None)} from FETCH
    responses asking for UID FLAGS BODY.PEEK[HEADER.FIELDS (X-HARNESS-ID)]
    and maybe BODY.PEEK[TEXT]."""
    out = {}
    for line, lits in untagged:
        m = re.match(rb"\* (\d+) FETCH ", line)
        if not m:
            continue
        uid = re.search(rb"UID (\d+)", line)
        flags = re.search(rb"FLAGS \(([^)]*)\)", line)
        hid, text = None, None
        parts = line.split(b"\0")
        for i, lit in enumerate(lits):
            if b"HEADER.FIELDS" in parts[i].upper():
                h = re.search(rb"X-Harness-Id: *(\d+)", lit, re.I)
                hid = int(h.group(1)) if h else None
            elif parts[i].upper().endswith(b"BODY[TEXT] {%d}" % len(lit)):
                text = lit
        out[int(m.group(1))] = (int(uid.group(1)) if uid else None, hid,
                                flags.group(1).decode() if flags else "", text)
    return out


def check_text(stats, where, hid, text):
    if hid is None:
        return
    problem = body_problem(hid, unquote_from(text))
    if problem:
        stats.error("%s: message %d read back corrupted: %s" % (where, hid, problem))


KEYWORDS = ["\\Seen", "\\Flagged", "\\Answered", "$Harness", "Keyword%d"]


def imap_session(sid, rnd, env, stats):
    """One random imapd session.  env: dict with imapd argv, login line,
    stderr file.  Returns the outcome word."""
    killer = Killer(rnd, stats, "imap")
    start = time.monotonic()
    s = Imap(env["imapd"], env["env"], env["stderr"])
    killer.start(s.proc.pid)
    log = ["imap %d pid %d kill=%s@%.3f" % (sid, s.proc.pid, killer.mode, killer.delay)]
    outcome = "?"
    try:
        s.greeting()
        if env["login"]:
            _, t = s.command(env["login"])
            assert " OK" in t, t
        u, t = s.command("SELECT INBOX")
        text = b" ".join(l for l, _ in u).decode("latin-1") + " " + t
        if "Trying to get mailbox lock" in text:
            stats.add("kod-sent")
        log.append("SELECT: " + t)
        if " OK" not in t:
            outcome = "select-no"
            stats.add("imap-select-no")
            return outcome
        readonly = "[READ-ONLY]" in t
        if readonly:
            stats.add("imap-readonly")
        exists = [int(m.group(1)) for l, _ in u
                  for m in [re.match(rb"\* (\d+) EXISTS", l)] if m]
        n = exists[-1] if exists else 0
        deleted = []
        if n:
            a = rnd.randint(1, n)
            b = min(n, a + rnd.randint(0, 40))
            want = "UID FLAGS BODY.PEEK[HEADER.FIELDS (X-HARNESS-ID)]"
            if rnd.random() < 0.5:
                want += " BODY.PEEK[TEXT]"
            u, t = s.command("FETCH %d:%d (%s)" % (a, b, want))
            log.append("FETCH %d:%d: %s" % (a, b, t))
            items = fetch_items(u)
            for seq, (uid, hid, flags, body) in items.items():
                if body is not None:
                    check_text(stats, "imap %d FETCH %d" % (sid, seq), hid, body)
            if not readonly:
                for _ in range(rnd.randint(0, 3)):
                    x = rnd.randint(a, b)
                    kw = rnd.choice(KEYWORDS)
                    kw = kw % rnd.randint(1, 3) if "%d" in kw else kw
                    _, t = s.command("STORE %d:%d +FLAGS (%s)"
                                     % (x, rnd.randint(x, b), kw))
                    log.append("STORE flags: " + t)
                evens = [uid for uid, hid, _, _ in items.values()
                         if hid is not None and hid % 2 == 0 and rnd.random() < 0.6]
                if rnd.random() < 0.3:
                    # find one more by its header, as a client searching would
                    target = 2 * rnd.randint(1, max(1, n // 2))
                    u2, t = s.command('UID SEARCH HEADER X-Harness-Id "%d"' % target)
                    log.append("SEARCH %d: %s" % (target, t))
                    found = [x.decode() for l, _ in u2 if l.startswith(b"* SEARCH")
                             for x in l.split()[2:]]
                    if found:
                        # HEADER matches substrings: "4" finds 14, 41, ...
                        u2, t = s.command("UID FETCH %s (BODY.PEEK[HEADER.FIELDS "
                                          "(X-HARNESS-ID)])" % ",".join(found))
                        evens += [uid for uid, hid, _, _ in fetch_items(u2).values()
                                  if hid == target]
                if evens:
                    uids = ",".join(map(str, sorted(set(evens))))
                    _, t = s.command("UID STORE %s +FLAGS (\\Deleted)" % uids)
                    log.append("STORE deleted %s: %s" % (uids, t))
                    deleted = evens
        end = rnd.random()
        rw_start = time.monotonic()
        if not readonly and end < 0.45:
            killer.rewriting()
            _, t = s.command("EXPUNGE")
            log.append("EXPUNGE: " + t)
        elif not readonly and end < 0.6:
            killer.rewriting()
            _, t = s.command("CHECK")
            log.append("CHECK: " + t)
        elif end < 0.85:
            killer.rewriting()
            _, t = s.command("CLOSE")
            log.append("CLOSE: " + t)
        if not readonly:
            stats.duration("imap-rewrite", time.monotonic() - rw_start)
        _, t = s.command("LOGOUT")
        outcome = "done"
        stats.add("imap-deleted-flagged", len(deleted))
    except Gone as e:
        if e.bye and "lost mailbox lock" in e.bye:
            outcome = "kod"
        elif e.bye:
            outcome = "bye"
            log.append(e.bye)
        else:
            outcome = "closed"
    except Hung as e:
        outcome = "hung"
        stats.error("imap %d: %s" % (sid, e))
    finally:
        killer.stop()
        rc = s.close()
        if killer.fired and rc == -signal.SIGKILL:
            outcome = "hung" if killer.hung else "killed"
        elif outcome == "closed":
            outcome = "exit-%s" % rc
        if outcome == "done" and rc != 0:
            stats.error("imap %d exited %s after LOGOUT" % (sid, rc))
        if outcome.startswith("exit-") or outcome == "bye":
            stats.error("imap %d ended unexpectedly (%s): %s" % (sid, outcome, log[-2:]))
        if killer.hung:
            stats.error("imap %d hung: killed by the watchdog" % sid)
        if outcome == "done":
            stats.duration("imap", time.monotonic() - start)
        stats.add("imap-" + outcome)
        stats.note(" | ".join(log) + " => " + outcome)
    return outcome


# ------------------------------------------------------------ POP

def session_pid(server, port, timeout=10):
    """The ipop3d serving our connection (tcpserver sets TCPREMOTEPORT)."""
    want = b"TCPREMOTEPORT=%d" % port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in server.session_pids():
            try:
                with open("/proc/%d/environ" % pid, "rb") as f:
                    if want in f.read().split(b"\0"):
                        return pid
            except OSError:
                pass
        time.sleep(0.005)
    return None


def pop_session(sid, rnd, env, stats):
    server, user, password = env["pop"], env["user"], env["password"]
    from popserver import RawSession     # tests/ipop3d, on sys.path
    killer = Killer(rnd, stats, "pop")
    start = time.monotonic()
    log = ["pop %d kill=%s@%.3f" % (sid, killer.mode, killer.delay)]
    outcome = "?"
    s = None
    try:
        s = RawSession(server.port, timeout=IO_TIMEOUT)
        pid = session_pid(server, s.sock.getsockname()[1])
        if pid is None:
            raise Hung("no ipop3d process for our connection")
        killer.start(pid)
        log[0] += " pid %d" % pid
        r = s.cmd("USER " + user)
        r = s.cmd("PASS " + password)
        log.append("PASS: " + r)
        if "[IN-USE]" in r:
            outcome = "in-use"
            return outcome
        if not r.startswith("+OK"):
            outcome = "pass-err"
            stats.error("pop %d: PASS answered %r" % (sid, r))
            return outcome
        r = s.cmd("STAT")
        n = int(r.split()[1])
        if rnd.random() < 0.5:
            s.cmd("LIST")
            s.lines()
        if rnd.random() < 0.5:
            s.cmd("UIDL")
            s.lines()
        dele = []
        for k in sorted(rnd.sample(range(1, n + 1), min(n, rnd.randint(0, 12)))):
            full = rnd.random() < 0.25
            r = s.cmd("RETR %d" % k if full else "TOP %d 0" % k)
            if not r.startswith("+OK"):
                log.append("RETR/TOP %d: %s" % (k, r))
                continue
            msg = s.read_body().replace(b"\r\n", b"\n")
            head, _, text = msg.partition(b"\n\n")
            h = re.search(rb"^X-Harness-Id: *(\d+)", head, re.I | re.M)
            hid = int(h.group(1)) if h else None
            if full:
                check_text(stats, "pop %d RETR %d" % (sid, k), hid, text)
            if hid is not None and hid % 2 == 0 and rnd.random() < 0.7:
                r = s.cmd("DELE %d" % k)
                if r.startswith("+OK"):
                    dele.append(hid)
        log.append("DELE ids %s" % dele)
        if rnd.random() < 0.7:
            killer.rewriting()
            t0 = time.monotonic()
            r = s.cmd("QUIT")
            stats.duration("pop-rewrite", time.monotonic() - t0)
            log.append("QUIT: " + r)
            outcome = "quit" if r.startswith("+OK") else "quit-err"
            if not r.startswith("+OK"):
                stats.error("pop %d: QUIT answered %r" % (sid, r))
        else:
            outcome = "dropped"
    except (EOFError, ConnectionResetError, BrokenPipeError):
        outcome = "closed"
    except socket.timeout:
        outcome = "hung"
        stats.error("pop %d: server silent for %ds" % (sid, IO_TIMEOUT))
    except Hung as e:
        outcome = "hung"
        stats.error("pop %d: %s" % (sid, e))
    finally:
        fired = killer.fired
        killer.stop()
        if s is not None:
            s.close()
        if fired:
            outcome = "killed"
        if killer.hung:
            stats.error("pop %d hung: killed by the watchdog" % sid)
        if outcome == "closed":
            stats.error("pop %d: connection closed without a kill: %s" % (sid, log[-2:]))
        if outcome == "quit":
            stats.duration("pop", time.monotonic() - start)
        stats.add("pop-" + outcome)
        stats.note(" | ".join(log) + " => " + outcome)
    return outcome
