"""Extracts botocore's event-stream test vectors (tests/unit/test_eventstream.py,
its POSITIVE_CASES and NEGATIVE_CASES) into botocore_test_eventstream.json.

    python3 extract.py path/to/botocore/tests/unit/test_eventstream.py > botocore_test_eventstream.json

The module is not imported (it needs botocore's test package); its vector
literals are evaluated with stand-ins for the message classes. The 24 MiB
INVALID_PAYLOAD_LENGTH case is left out (too big to vendor).
"""

import json
import sys

src = open(sys.argv[1]).read()
start = src.index("EMPTY_MESSAGE = (")
end = src.index("def assert_message_equal")
ns = {
    "EventStreamMessage": lambda **kw: kw,
    "MessagePrelude": lambda **kw: kw,
}
for exc in ["ChecksumMismatch", "DuplicateHeader", "InvalidHeadersLength", "InvalidPayloadLength"]:
    ns[exc] = exc
exec(src[start:end], ns)  # noqa: S102 - vendored literal data


def header(name, value):
    if isinstance(value, bool):
        return {"name": name, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"name": name, "type": "integer", "value": value}
    if isinstance(value, bytes):
        return {"name": name, "type": "bytes", "value_hex": value.hex()}
    return {"name": name, "type": "string", "value": value}


def name_of(case):
    return next(k for k, v in ns.items() if v is case and k.isupper() and not k.endswith("_CASES"))


out = {"source": "botocore tests/unit/test_eventstream.py", "positive": [], "negative": []}
for case in ns["POSITIVE_CASES"]:
    encoded, msg = case
    out["positive"].append(
        {
            "name": name_of(case),
            "encoded_hex": encoded.hex(),
            "total_length": msg["prelude"]["total_length"],
            "headers_length": msg["prelude"]["headers_length"],
            "prelude_crc": msg["prelude"]["crc"],
            "headers": [header(k, v) for k, v in msg["headers"].items()],
            "payload_hex": msg["payload"].hex(),
            "message_crc": msg["crc"],
        }
    )
for case in ns["NEGATIVE_CASES"]:
    encoded, error = case
    if len(encoded) > 1 << 20:
        continue
    out["negative"].append({"name": name_of(case), "encoded_hex": encoded.hex(), "error": error})
json.dump(out, sys.stdout, indent=1)
print()
