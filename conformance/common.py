"""What the conformance scripts share: one result per route, the check
that records it, a solid-colour PNG, and the RESULT lines the Rust side
(compat-harness/tests/sim_conformance.rs) reads.

Each script is run as `python conformance/<script>.py`, so this folder is on
its import path.
"""

import struct
import sys
import traceback
import zlib

# (route, result, detail); result is pass, fail, or a script's soft outcome
# (skip, not_served).
RESULTS = []


def record(route, fn, soft):
    """Runs fn and records its result: pass (its return value is the
    detail), one of `soft` (a dict exception type -> result name), or fail
    with the exception and the line it came from."""
    try:
        RESULTS.append((route, "pass", fn() or ""))
    except tuple(soft) as e:
        RESULTS.append((route, soft[type(e)], str(e)))
    except Exception as e:  # noqa: BLE001 - every failure is a result
        tb = traceback.format_exc().strip().splitlines()[-1]
        RESULTS.append((route, "fail", f"{type(e).__name__}: {str(e)[:300]} ({tb[:200]})"))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def png(rgb, size=16):
    """A solid-colour RGB PNG, written by hand (no imaging library needed)."""

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def finish():
    """Prints one RESULT line per route and exits 1 if any failed."""
    for route, result, detail in RESULTS:
        print(f"RESULT\t{route}\t{result}\t{detail}".replace("\n", " "))
    sys.exit(1 if any(r == "fail" for _, r, _ in RESULTS) else 0)
