"""Rehearsal egress guard (issue 26, plan 3.6 layer 2): nothing leaves the machine.

Loaded by Python's `site` module at start-up because its folder is on
PYTHONPATH (compat-core/src/gateway/egress_guard.rs writes it there), in the
LiteLLM launcher and in every proxy (forks inherit it; spawned proxies load
it themselves). It refuses, before any DNS query or packet, every name
resolution and connection whose target is not the loopback:

- socket.getaddrinfo, gethostbyname(_ex), socket.socket.connect/connect_ex
  (requests: google-auth's token exchange; botocore; asyncio's default loop);
- uvloop's loop (the proxy's event loop: LiteLLM's proxy_cli runs uvicorn
  with loop="uvloop", and uvloop resolves and connects in C, past the socket
  module): getaddrinfo, create_connection and sock_connect of every loop
  uvloop.new_event_loop makes.

A refusal raises OSError("rehearsal: <host> is not loopback ...") and appends
one line to the file named by COMPAT_EGRESS_LOG (read by the harness into the
run's violations). Native code that opens its own sockets (LiteLLM's Rust
bridge, Node) is not seen here: the network namespace (layer 3) covers it.
"""

import ipaddress
import os
import socket
import sys
import time

_LOG = os.environ.get("COMPAT_EGRESS_LOG")


def _loopback(host):
    """Whether a name or address is the loopback. None and "" (a passive or
    unspecified lookup) are not connections and pass."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    h = str(host).strip().strip("[]").rstrip(".").lower()
    if h == "" or h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse(host, port, via):
    line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} pid={os.getpid()} refused {host}:{port} via {via}\n"
    if _LOG:
        try:
            with open(_LOG, "a", encoding="utf-8") as f:
                f.write(line)
        except OSError:
            pass
    try:
        sys.stderr.write("egress guard: " + line)
    except Exception:  # noqa: BLE001 - a closed stderr must not hide the refusal
        pass
    raise OSError(
        f"rehearsal: {host} is not loopback; a rehearsal reaches real host names only "
        f"through its front (egress guard, compat-core/src/gateway/egress_guard)"
    )


def _check(host, port, via):
    if not _loopback(host):
        _refuse(host, port, via)


def _inet(address):
    """(host, port) of an AF_INET/AF_INET6 address, else None (AF_UNIX ...)."""
    if isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    return None


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, port, *args, **kwargs):
    _check(host, port, "getaddrinfo")
    return _getaddrinfo(host, port, *args, **kwargs)


_gethostbyname = socket.gethostbyname


def gethostbyname(host):
    _check(host, "-", "gethostbyname")
    return _gethostbyname(host)


_gethostbyname_ex = socket.gethostbyname_ex


def gethostbyname_ex(host):
    _check(host, "-", "gethostbyname_ex")
    return _gethostbyname_ex(host)


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def connect(self, address):
    target = _inet(address)
    if target is not None:
        _check(target[0], target[1], "connect")
    return _connect(self, address)


def connect_ex(self, address):
    target = _inet(address)
    if target is not None:
        _check(target[0], target[1], "connect_ex")
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.gethostbyname = gethostbyname
socket.gethostbyname_ex = gethostbyname_ex
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex


def _guard_uvloop():
    try:
        import uvloop
    except Exception:  # noqa: BLE001 - no uvloop: nothing to guard
        return

    base = uvloop.Loop

    class GuardedLoop(base):
        async def getaddrinfo(self, host, port, *args, **kwargs):
            _check(host, port, "uvloop getaddrinfo")
            return await super().getaddrinfo(host, port, *args, **kwargs)

        async def create_connection(self, protocol_factory, host=None, port=None, *args, **kwargs):
            if host is not None:
                _check(host, port, "uvloop create_connection")
            return await super().create_connection(protocol_factory, host, port, *args, **kwargs)

        async def sock_connect(self, sock, address):
            target = _inet(address)
            if target is not None:
                _check(target[0], target[1], "uvloop sock_connect")
            return await super().sock_connect(sock, address)

    # uvloop.new_event_loop() (what uvicorn's uvloop factory returns) and
    # EventLoopPolicy build `Loop` by its module-level name.
    uvloop.Loop = GuardedLoop


_guard_uvloop()
