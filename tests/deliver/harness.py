"""The delivery harness's shared parts: what a harness message looks like,
how a mailbox format is delivered to and parsed (one small class per
format), and the stale-dotlock rule.  Used by deliver.py (the deliverer
program) and test_deliver.py (the sessions and the final checks).

A harness message N is fully determined by N:
    Message-ID: <N.harness@test>
    X-Harness-Id: N
and a body of lines "N.k <filler>" ending with "sum N <sha1 of the lines
before it>".  Some bodies hold lines starting with "From " (stored quoted
as ">From "), some have no final newline.  So a message read back can be
compared with what was delivered, byte for byte, from its id alone.
"""
import fcntl
import hashlib
import os
import random
import re
import socket
import time

FROM_LINE_RE = re.compile(
    rb"^From \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}( [+-]\d{4})?\n")
ID_RE = re.compile(rb"^X-Harness-Id: *(\d+)\s*$", re.M | re.I)
MSGID_RE = re.compile(rb"^Message-ID: *<(\d+)\.harness@test>\s*$", re.M | re.I)
SUM_RE = re.compile(rb"^sum (\d+) ([0-9a-f]{40})$")


def has_from_lines(n):
    return n % 7 == 3


def no_final_newline(n):
    return n % 11 == 5


def body(n):
    """The body of message n as delivered (before ">From " quoting)."""
    rnd = random.Random(n * 7919 + 17)
    lines = []
    for k in range(rnd.randint(1, 25)):
        filler = "".join(rnd.choice("abcdefghij ,.-") for _ in range(rnd.randint(0, 90)))
        lines.append(("%d.%d %s" % (n, k, filler)).encode())
    if has_from_lines(n):
        for k in sorted(rnd.sample(range(len(lines) + 1), 2), reverse=True):
            lines.insert(k, b"From the harness, message %d line %d" % (n, k))
    digest = hashlib.sha1(b"\n".join(lines)).hexdigest().encode()
    lines.append(b"sum %d %s" % (n, digest))
    text = b"\n".join(lines)
    return text if no_final_newline(n) else text + b"\n"


def header(n):
    return (b"From: Harness <harness@test>\n"
            b"To: Mailbox <user@test>\n"
            b"Subject: harness message %d\n"
            b"Message-ID: <%d.harness@test>\n"
            b"X-Harness-Id: %d\n" % (n, n, n))


def body_problem(n, got):
    """None if got (a body read back, ">From " unquoted, any line ends) is
    message n's body, else what is wrong with it.  Trailing newlines are
    not compared: a store may add the one a message lacked."""
    got = got.replace(b"\r\n", b"\n").rstrip(b"\n")
    want = body(n).rstrip(b"\n")
    if got == want:
        return None
    lines = got.split(b"\n")
    m = SUM_RE.match(lines[-1]) if lines else None
    if not m:
        return "no checksum line (truncated or garbage at the end): ...%r" % got[-120:]
    if int(m.group(1)) != n:
        return "checksum line of message %s in message %d" % (m.group(1).decode(), n)
    if hashlib.sha1(b"\n".join(lines[:-1])).hexdigest().encode() != m.group(2):
        return "checksum mismatch (body changed)"
    return "body differs from the one delivered"


def unquote_from(text):
    return re.sub(rb"(?m)^>From ", b"From ", text)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ------------------------------------------------------------ stale dotlocks

class StaleLocks:
    """Breaks a `<mailbox>.lock` left by a session killed while it held it.

    The holder of a dotlock takes flock() on the mailbox right after it, so
    a lock file that stays the same (device, inode, mtime) for `grace`
    seconds while nobody holds flock() on the mailbox is stale.  Breaking a
    live one by mistake would still be safe here: every writer also takes
    the exclusive flock(), and all run on this host."""

    def __init__(self, mailbox, grace=0.5):
        self.mailbox = mailbox
        self.lock = mailbox + ".lock"
        self.grace = grace
        self.seen = None            # (identity, since)
        self.broken = 0

    def _flock_free(self):
        try:
            fd = os.open(self.mailbox, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)          # also drops the flock

    def poll(self):
        """Look once; returns True if a stale lock was removed."""
        try:
            st = os.lstat(self.lock)
        except FileNotFoundError:
            self.seen = None
            return False
        ident = (st.st_dev, st.st_ino, st.st_mtime_ns)
        now = time.monotonic()
        if not self._flock_free() or self.seen is None or self.seen[0] != ident:
            self.seen = (ident, now)
            return False
        if now - self.seen[1] < self.grace:
            return False
        st2 = os.lstat(self.lock)
        if (st2.st_dev, st2.st_ino, st2.st_mtime_ns) != ident:
            return False
        try:
            os.unlink(self.lock)
        except FileNotFoundError:
            return False
        self.seen = None
        self.broken += 1
        return True


# ------------------------------------------------------------ formats

class Mbox:
    """Traditional Berkeley mbox: the spool file the servers open as INBOX.
    Delivery as an MTA does it: the dotlock (link() from a hitching post,
    or O_EXCL), then flock(LOCK_EX), append, fsync, unlock both."""

    name = "mbox"

    def __init__(self, path):
        self.path = path
        self.lockname = path + ".lock"
        self.posts = 0
        self.stale = StaleLocks(path)

    # --------------------------------------------------------- deliver
    def _dotlock_link(self):
        self.posts += 1
        post = "%s.%s.%d.%d" % (self.path, socket.gethostname().replace("/", "_"),
                                os.getpid(), self.posts)
        fd = os.open(post, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        try:
            try:
                os.link(post, self.lockname)
            except FileExistsError:
                pass              # the link count below is the truth (NFS)
            return os.fstat(fd).st_nlink == 2
        finally:
            os.close(fd)
            os.unlink(post)

    def _dotlock_excl(self):
        try:
            fd = os.open(self.lockname,
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def dotlock(self, use_link, timeout=300):
        take = self._dotlock_link if use_link else self._dotlock_excl
        deadline = time.monotonic() + timeout
        pause = 0.001
        while not take():
            if self.stale.poll():
                continue
            if time.monotonic() > deadline:
                raise RuntimeError("dotlock %s held for %ds" % (self.lockname, timeout))
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return os.lstat(self.lockname)

    def undot(self, st):
        # only our own lock: it may have been broken and taken by another
        try:
            now = os.lstat(self.lockname)
        except FileNotFoundError:
            return False
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return False
        os.unlink(self.lockname)
        return True

    @staticmethod
    def from_line():
        return b"From harness@test %s\n" % time.asctime().encode()

    def entry(self, n, last_of_batch):
        """The bytes of message n in the file.  A message without a final
        newline that ends a batch leaves the file ending mid-line (as an
        mbox writer stores it); the next append completes the line."""
        text = header(n) + b"\n" + re.sub(rb"(?m)^From ", b">From ", body(n))
        if not text.endswith(b"\n"):
            if last_of_batch:
                return self.from_line() + text
            text += b"\n"
        return self.from_line() + text + b"\n"

    def deliver(self, ids, use_link):
        """Append messages ids under one lock; returns the dotlock stats."""
        st = self.dotlock(use_link)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                pad = b""
                if size:
                    tail = os.pread(fd, 2, max(0, size - 2))
                    pad = b"" if tail.endswith(b"\n\n") else \
                        b"\n" if tail.endswith(b"\n") else b"\n\n"
                data = pad + b"".join(self.entry(n, i == len(ids) - 1)
                                      for i, n in enumerate(ids))
                while data:
                    data = data[os.write(fd, data):]
                os.fsync(fd)
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            lost = not self.undot(st)
        return lost

    # --------------------------------------------------------- inspect
    def journals(self):
        d = os.path.dirname(self.path)
        return [os.path.join(d, f) for f in os.listdir(d)
                if f.startswith(".bamboo-mbox-journal.")]

    def session_lock(self):
        st = os.stat(self.path)
        return "/tmp/.%x.%x" % (st.st_dev, st.st_ino)

    def parse(self):
        """Read the file independently: [(id or None, raw message, body)],
        and a list of structural problems (garbage, partial messages)."""
        with open(self.path, "rb") as f:
            data = f.read()
        problems = []
        if data and not data.startswith(b"From "):
            problems.append("file does not start with a From line: %r" % data[:80])
        starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
        out = []
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(data)
            chunk = data[s:end]
            if not FROM_LINE_RE.match(chunk):
                problems.append("bad From line at %d: %r" % (s, chunk[:80]))
            nl = chunk.find(b"\n")
            msg = chunk[nl + 1:] if nl >= 0 else b""
            cut = msg.find(b"\n\n")
            head = msg if cut < 0 else msg[:cut + 1]
            text = b"" if cut < 0 else msg[cut + 2:]
            ids = ID_RE.findall(head)
            mids = MSGID_RE.findall(head)
            if not ids:
                out.append((None, chunk, head))
                continue
            if len(ids) != 1 or mids != ids:
                problems.append("message at %d: X-Harness-Id %r, Message-ID %r"
                                % (s, ids, mids))
            out.append((int(ids[0]), chunk, unquote_from(text)))
        return out, problems


FORMATS = {"mbox": Mbox}
