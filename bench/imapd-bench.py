#!/usr/bin/env python3
"""Client side of bench/run-imapd.sh: times IMAP commands against an imapd.

  imapd-bench.py workload MAILBOX -- COMMAND...
      Starts COMMAND (an imapd in the preauthenticated pipe mode), runs the
      issue's workload on MAILBOX and prints one line per operation:
      "NAME SECONDS CPU" (CPU: imapd's own CPU seconds for it, from
      /proc/PID/schedstat).  Each time runs from sending the command to reading
      its tagged reply (all untagged data read and parsed for literals).
  imapd-bench.py cycles N PORT USER PASSWORD MAILBOX
      N times: connect to 127.0.0.1:PORT, LOGIN, SELECT MAILBOX, LOGOUT;
      prints "cycle SECONDS" with the mean seconds per cycle.  USER "-":
      only connect, greeting and LOGOUT (the cost of a connection itself).
  imapd-bench.py hash METHOD N
      Mean seconds of one crypt(3) with METHOD (md5, sha512, yescrypt).
"""
import os
import re
import socket
import subprocess
import sys
import time

LIT = re.compile(rb"\{(\d+)\}\r\n$")


class Conn:
    def __init__(self, rfile, wfile):
        self.r = rfile
        self.w = wfile
        self.n = 0

    def read_response(self):
        """One whole response line with its literals; returns bytes."""
        parts = []
        while True:
            line = self.r.readline()
            if not line:
                raise EOFError("server closed the connection")
            parts.append(line)
            m = LIT.search(line)
            if not m:
                return b"".join(parts)
            parts.append(self.r.read(int(m.group(1))))

    def command(self, text, literals=()):
        """Send a command (literals sent as {n} after a continuation);
        return (seconds, tagged line, untagged count)."""
        self.n += 1
        tag = b"b%d" % self.n
        pieces = text.encode().split(b"\0")
        t0 = time.perf_counter()
        for i, lit in enumerate(literals):
            self.w.write(tag + b" " + pieces[0] if i == 0 else pieces[i])
            self.w.write(b"{%d}\r\n" % len(lit))
            self.w.flush()
            r = self.read_response()
            if not r.startswith(b"+"):
                raise RuntimeError("no continuation: %r" % r)
            self.w.write(lit)
        if literals:
            self.w.write(pieces[len(literals)] + b"\r\n")
        else:
            self.w.write(tag + b" " + pieces[0] + b"\r\n")
        self.w.flush()
        count = 0
        while True:
            r = self.read_response()
            if r.startswith(tag + b" "):
                t = time.perf_counter() - t0
                if not r.startswith(tag + b" OK"):
                    raise RuntimeError("%s: %r" % (text, r))
                return t, r, count
            count += 1


def workload(mailbox, argv):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    c = Conn(p.stdout, p.stdin)
    greeting = c.read_response()
    if not greeting.startswith(b"* PREAUTH"):
        raise SystemExit("not preauthenticated: %r" % greeting)
    out = []

    def cpu():
        """imapd's CPU seconds so far (setpriv/env exec it in place, so
        the pid is imapd's); -1 when /proc cannot tell."""
        try:
            with open("/proc/%d/schedstat" % p.pid) as f:
                return int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return -1.0

    def op(name, text, literals=()):
        c0 = cpu()
        t, _, n = c.command(text, literals)
        out.append((name, t, cpu() - c0))
        return n

    op("SELECT", 'SELECT "%s"' % mailbox)
    op("FETCH-envelope", "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")
    op("FETCH-bodystructure", "FETCH 1:* BODYSTRUCTURE")
    op("FETCH-100-body", "FETCH 1:100 BODY.PEEK[]")
    op("SEARCH-BODY", "SEARCH BODY zyzzyvaneedle")
    op("SEARCH-SUBJECT", "SEARCH SUBJECT needlesubject")
    op("SEARCH-FROM", "SEARCH FROM nosuchsender")
    op("SORT-DATE", "SORT (DATE) UTF-8 ALL")
    op("SORT-SUBJECT", "SORT (SUBJECT) UTF-8 ALL")
    op("THREAD-REFERENCES", "THREAD REFERENCES UTF-8 ALL")
    op("STORE-+FLAGS", "STORE 1:* +FLAGS (\\Flagged)")
    msg = (b"From: Bench <bench@example.org>\r\nTo: you@example.org\r\n"
           b"Subject: appended %d\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
           + b"Some text for the body of an appended message.\r\n" * 40)
    total = 0.0
    c0 = cpu()
    for i in range(200):
        t, _, _ = c.command('APPEND "%s" (\\Seen) \0' % mailbox, [msg.replace(b"%d", b"%d" % i)])
        total += t
    out.append(("APPENDx200", total, cpu() - c0))
    c.command("NOOP")
    total = 0.0
    c0 = cpu()
    for i in range(100):
        t1, _, _ = c.command("STORE %d +FLAGS.SILENT (\\Deleted)" % (1 + i * 7))
        t2, _, _ = c.command("EXPUNGE")
        total += t1 + t2
    out.append(("expungex100", total, cpu() - c0))
    t, _, _ = c.command("LOGOUT")
    p.stdin.close()
    p.wait()
    for name, t, u in out:
        print("%s %.4f %.4f" % (name, t, u))


def cycles(n, port, user, password, mailbox):
    t0 = time.perf_counter()
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        rf = s.makefile("rb")
        wf = s.makefile("wb")
        c = Conn(rf, wf)
        g = c.read_response()
        if not g.startswith(b"* OK"):
            raise SystemExit("greeting: %r" % g)
        if user != "-":
            c.command('LOGIN %s "%s"' % (user, password))
            c.command('SELECT "%s"' % mailbox)
        c.command("LOGOUT")
        s.close()
    print("cycle %.5f" % ((time.perf_counter() - t0) / n))


def hash_cost(method, n):
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt
    m = {"md5": crypt.METHOD_MD5, "sha512": crypt.METHOD_SHA512}.get(method)
    if m is not None:
        salt = crypt.mksalt(m)
    else:
        # yescrypt: whatever imapd --make-password produced, as a salt
        salt = method
    t0 = time.perf_counter()
    for i in range(n):
        crypt.crypt("benchmark password", salt)
    print("hash %.5f" % ((time.perf_counter() - t0) / n))


def main():
    a = sys.argv[1:]
    if a[:1] == ["workload"] and "--" in a:
        k = a.index("--")
        workload(a[1], a[k + 1:])
    elif a[:1] == ["cycles"] and len(a) == 6:
        cycles(int(a[1]), int(a[2]), a[3], a[4], a[5])
    elif a[:1] == ["hash"] and len(a) == 3:
        hash_cost(a[1], int(a[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
