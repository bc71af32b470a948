#!/usr/bin/env python3
"""Client side of bench/run-pop3.sh: times a POP3 server from a raw socket.

  pop3-bench.py session PORT USER PASSWORD
      One connection to 127.0.0.1:PORT: USER+PASS (the server opens the
      mailbox), STAT, UIDL (all), RETR of every message with all commands
      sent at once (pipelined, RFC 2449), RETR of every message again one
      command at a time (send, wait for the whole reply), QUIT.  Prints one
      line per step: "NAME SECONDS BYTES" (BYTES: message octets received,
      after dot-unstuffing; 0 where it does not apply), then "messages N
      SIZE" (STAT's figures).  Every RETR's text must have exactly the
      size its "+OK n octets" line announced (genmail's messages all end
      in a newline, so for ipop3d that is the LIST size), and UIDL must
      list the STAT count, or the run stops with an error.
  pop3-bench.py stream PORT
      The baseline: connect, read everything the server sends until it
      closes, with the same buffered reader and the same terminator scan
      the RETR reader uses.  Prints "stream SECONDS BYTES".
  pop3-bench.py capture PORT USER PASSWORD FILE
      Log in, RETR every message (pipelined), save the raw bytes of the
      replies in FILE, QUIT.  Prints "capture N OCTETS RAWBYTES".
  pop3-bench.py replay PORT N
      The client's own share: connect to a server that plays FILE back
      (tcpserver ... cat FILE) and parse N RETR replies exactly as the
      session's RETR-all-pipelined does.  Prints "replay SECONDS BYTES".
  pop3-bench.py cycles N PORT USER PASSWORD
      N times: connect, greeting, USER, PASS, QUIT, close.  USER "-": only
      connect, greeting and close (the cost of the connection itself; the
      server may say anything as its first line).  Prints "cycle SECONDS"
      with the mean seconds per cycle.
"""
import re
import socket
import sys
import threading
import time

OCTETS = re.compile(rb"^\+OK (\d+)")
TIMEOUT = 120


class Reader:
    """A buffered reader of POP3 replies: single lines, and multi-line
    replies ending in CRLF.CRLF found with bytearray.find over large reads
    into one preallocated buffer (recv_into).  A message's size is counted
    in the buffer (its bytes minus the stuffed dots) without copying it
    out, so the reader costs little next to the server it measures."""

    def __init__(self, sock):
        self.s = sock
        self.buf = bytearray(1 << 22)
        self.pos = 0            # first unconsumed byte
        self.end = 0            # end of the data received
        self.eof = False
        self.tap = None         # a list: every read is appended to it

    def compact(self):
        """Move the unconsumed data to the front (only between replies:
        the scans hold offsets into the buffer)."""
        if self.pos * 2 > len(self.buf):
            n = self.end - self.pos
            self.buf[0:n] = self.buf[self.pos:self.end]
            self.pos, self.end = 0, n

    def fill(self):
        if self.end == len(self.buf):
            self.buf.extend(bytes(len(self.buf)))
        n = self.s.recv_into(memoryview(self.buf)[self.end:])
        if n == 0:
            self.eof = True
            return False
        if self.tap is not None:
            self.tap.append(bytes(self.buf[self.end:self.end + n]))
        self.end += n
        return True

    def line(self):
        """One reply line without its CRLF (bytes)."""
        self.compact()
        start = self.pos
        scan = start
        while True:
            k = self.buf.find(b"\r\n", scan, self.end)
            if k >= 0:
                self.pos = k + 2
                return bytes(self.buf[start:k])
            scan = max(start, self.end - 1)
            if not self.fill():
                raise EOFError("server closed the connection")

    def _multiline(self):
        """(start, end, stuffed): the reply's data is buf[start:end] (with
        the CRLF of its last line, without the terminating ".\r\n"),
        stuffed the number of dots to take out."""
        start = self.pos
        # The status line's CRLF is just before start: searching from there
        # finds the terminator of an empty reply (".\r\n" at start) as well.
        scan = max(start - 2, 0)
        while True:
            k = self.buf.find(b"\r\n.\r\n", scan, self.end)
            if k >= 0:
                end = max(k + 2, start)
                self.pos = k + 5
                break
            scan = max(start, self.end - 4)
            if not self.fill():
                raise EOFError("server closed the connection")
        # every stuffed line follows a CRLF (the first one the status line's)
        stuffed = self.buf.count(b"\r\n..", max(start - 2, 0), end) if end > start else 0
        return start, end, stuffed

    def multiline_size(self):
        """The octets of a multi-line reply's data once dot-unstuffed."""
        start, end, stuffed = self._multiline()
        return end - start - stuffed

    def stream_size(self):
        """The baseline: everything up to the end of the stream, with the
        same work per byte as multiline_size (a terminator scan and a
        stuffed-dot count over each read; a match split between two reads
        is not seen, which an mbox never has), consumed read by read."""
        size = 0
        while self.fill():
            k = self.buf.find(b"\r\n.\r\n", self.pos, self.end)
            if k >= 0:
                raise SystemExit("the stream holds a POP3 terminator at %d" % (size + k))
            size += self.end - self.pos - self.buf.count(b"\r\n..", self.pos, self.end)
            self.pos = self.end
            self.compact()
        return size

    def multiline(self):
        """A multi-line reply's data, dot-unstuffed (bytes)."""
        start, end, stuffed = self._multiline()
        data = bytes(self.buf[start:end])
        if stuffed:
            data = (b"\r\n" + data).replace(b"\r\n..", b"\r\n.")[2:]
        return data


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, Reader(s)


def ok(line, what):
    if not line.startswith(b"+OK"):
        raise SystemExit("%s: %r" % (what, line))
    return line


def command(s, r, text):
    s.sendall(text.encode() + b"\r\n")
    return ok(r.line(), text.split(" ")[0])


def retr_reply(r, k):
    st = ok(r.line(), "RETR %d" % k)
    m = OCTETS.match(st)
    size = r.multiline_size()
    if m is None or int(m.group(1)) != size:
        raise SystemExit("RETR %d: %r announced, %d octets received" % (k, st, size))
    return size


def retr_pipelined(s, r, n):
    """RETR 1..n, every command written at once by a second thread (so
    that neither side can block the other) while this one reads; returns
    the octets received."""
    cmds = b"".join(b"RETR %d\r\n" % k for k in range(1, n + 1))
    err = []

    def writer():
        try:
            s.sendall(cmds)
        except OSError as e:
            err.append(e)
    w = threading.Thread(target=writer)
    w.start()
    total = 0
    for k in range(1, n + 1):
        total += retr_reply(r, k)
    w.join()
    if err:
        raise SystemExit("writing RETRs: %s" % err[0])
    return total


def session(port, user, password):
    out = []
    s, r = connect(port)
    ok(r.line(), "greeting")
    t0 = time.perf_counter()
    command(s, r, "USER " + user)
    command(s, r, "PASS " + password)
    out.append(("login", time.perf_counter() - t0, 0))

    t0 = time.perf_counter()
    st = command(s, r, "STAT").split()
    out.append(("STAT", time.perf_counter() - t0, 0))
    n, size = int(st[1]), int(st[2])

    t0 = time.perf_counter()
    command(s, r, "UIDL")
    lines = r.multiline().split(b"\r\n")[:-1]
    out.append(("UIDL", time.perf_counter() - t0, 0))
    if len(lines) != n:
        raise SystemExit("UIDL: %d lines for %d messages" % (len(lines), n))

    t0 = time.perf_counter()
    total = retr_pipelined(s, r, n)
    out.append(("RETR-all-pipelined", time.perf_counter() - t0, total))

    t0 = time.perf_counter()
    total2 = 0
    for k in range(1, n + 1):
        s.sendall(b"RETR %d\r\n" % k)
        total2 += retr_reply(r, k)
    out.append(("RETR-all-lockstep", time.perf_counter() - t0, total2))
    if total2 != total:
        raise SystemExit("RETR: %d octets pipelined, %d one by one" % (total, total2))

    t0 = time.perf_counter()
    command(s, r, "QUIT")
    out.append(("QUIT", time.perf_counter() - t0, 0))
    s.close()
    for name, t, b in out:
        print("%s %.5f %d" % (name, t, b))
    print("messages %d %d" % (n, size))


def capture(port, user, password, path):
    """Log in, RETR every message (pipelined) and save the raw replies."""
    s, r = connect(port)
    ok(r.line(), "greeting")
    command(s, r, "USER " + user)
    command(s, r, "PASS " + password)
    n = int(command(s, r, "STAT").split()[1])
    r.tap = []
    total = retr_pipelined(s, r, n)
    raw = b"".join(r.tap)
    r.tap = None
    command(s, r, "QUIT")
    s.close()
    with open(path, "wb") as f:
        f.write(raw)
    print("capture %d %d %d" % (n, total, len(raw)))


def replay(port, n):
    """Read n RETR replies from a server that only plays back what
    capture saved: the client's own share of RETR-all-pipelined."""
    s, r = connect(port)
    t0 = time.perf_counter()
    total = sum(retr_reply(r, k) for k in range(1, n + 1))
    t = time.perf_counter() - t0
    s.close()
    print("replay %.5f %d" % (t, total))


def stream(port):
    s, r = connect(port)
    t0 = time.perf_counter()
    size = r.stream_size()
    t = time.perf_counter() - t0
    s.close()
    print("stream %.5f %d" % (t, size))


def cycles(n, port, user, password):
    t0 = time.perf_counter()
    for i in range(n):
        s, r = connect(port)
        g = r.line()
        if user != "-":
            ok(g, "greeting")
            command(s, r, "USER " + user)
            command(s, r, "PASS " + password)
            command(s, r, "QUIT")
        s.close()
    print("cycle %.6f" % ((time.perf_counter() - t0) / n))


def main():
    a = sys.argv[1:]
    if a[:1] == ["session"] and len(a) == 4:
        session(int(a[1]), a[2], a[3])
    elif a[:1] == ["capture"] and len(a) == 5:
        capture(int(a[1]), a[2], a[3], a[4])
    elif a[:1] == ["replay"] and len(a) == 3:
        replay(int(a[1]), int(a[2]))
    elif a[:1] == ["stream"] and len(a) == 2:
        stream(int(a[1]))
    elif a[:1] == ["cycles"] and len(a) == 5:
        cycles(int(a[1]), int(a[2]), a[3], a[4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
