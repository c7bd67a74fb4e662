"""Pre-forked LiteLLM proxies: import LiteLLM's proxy once, fork one proxy per request.

Run with the Python of the LiteLLM under test (the virtualenv of its `litellm`
entry point, so a PR's own checkout works as before). Importing the proxy
costs ~11 s of CPU; a forked child inherits the imported modules and only
runs the proxy's own start-up from its own config, as `litellm --config ...`
would (the same click entry point, `proxy_cli.run_server`).

Protocol (compat-core/src/gateway/prefork.rs): one JSON object a line on
stdin, {"argv": [...], "env": {...}, "log": path}; one line back on stdout,
{"pid": n} or {"error": text}. The first line out is {"ready": version} once the
import is done. End of stdin (the harness went away) stops every child, unless started
with --detached (`cargo xtask up`).
"""

import json
import os
import signal
import sys


def main():
    out = sys.stdout
    # Import everything `litellm --config` imports before it serves.
    from litellm.proxy import proxy_cli, proxy_server  # noqa: F401
    import uvicorn  # noqa: F401

    # Keep the imported objects out of the children's garbage collector:
    # a collection touches every tracked object's header, and each touched
    # page is copied into the child, so every proxy would end up with a
    # private copy of the whole import (https://docs.python.org/3/library/gc.html#gc.freeze,
    # "to avoid copy-on-write ... gc.disable() early in the parent, gc.freeze()
    # right before fork()").
    import gc

    gc.collect()
    gc.freeze()

    children = set()

    def reap(_signum, _frame):
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            argv, env, log = req["argv"], req["env"], req["log"]
            log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except (ValueError, KeyError, OSError) as e:
            out.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
            out.flush()
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                os.close(log_fd)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.environ.update(env)
                sys.argv = ["litellm", *argv]
                proxy_cli.run_server.main(args=argv, prog_name="litellm")
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                os._exit(code)
            except BaseException as e:  # noqa: BLE001 - the child must never return into the loop
                sys.stderr.write(f"prefork child: {type(e).__name__}: {e}\n")
                sys.stderr.flush()
                os._exit(1)
            os._exit(0)
        os.close(log_fd)
        children.add(pid)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()
    if "--detached" in sys.argv:
        # `cargo xtask up`: the proxies stay until `cargo xtask down` signals
        # the process group.
        while True:
            signal.pause()
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    main()
