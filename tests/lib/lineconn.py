"""LineConn: the socket side of a line-oriented test client (IMAP, POP3).

Every read has a timeout; lines must end in CRLF.  Subclasses add the
protocol (commands, replies) and how a line is handed back (str or bytes)."""
import socket
import ssl
import time


class LineConn:
    encoding = "utf-8"          # how a str given to send() is encoded
    reset_is_close = False      # read_to_eof: a reset (or TLS error) ends it

    def __init__(self, address, port, timeout):
        self.sock = socket.create_connection((address, port), timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding)
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed the connection; unread %r"
                           % self.buf[-300:])
        self.buf += data

    def readline_raw(self):
        """One line including its line end (CRLF or LF), bytes."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            self._fill()

    def readline_crlf(self):
        """One line, bytes, its CRLF cut (a bare LF fails the test)."""
        line = self.readline_raw()
        assert line.endswith(b"\r\n"), "line without CRLF: %r" % line
        return line[:-2]

    def read_to_eof(self, timeout):
        """Everything until the server closes (bytes), unread input first."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "server did not close within %ss; got %r" % (
                timeout, self.buf[-500:])
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise AssertionError("server did not close within %ss; got %r"
                                     % (timeout, self.buf[-500:]))
            except (ConnectionResetError, ssl.SSLError):
                if not self.reset_is_close:
                    raise
                data = b""
            if not data:
                out, self.buf = self.buf, b""
                return out
            self.buf += data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
