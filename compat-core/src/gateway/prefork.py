"""Pre-forked LiteLLM proxies: import LiteLLM's proxy once, fork one proxy per request.

Run with the Python of the LiteLLM under test (the virtualenv of its `litellm`
entry point, so a PR's own checkout works as before). Importing the proxy
costs ~11 s of CPU; a forked child inherits the imported modules and only
runs the proxy's own start-up from its own config, as `litellm --config ...`
would (the same click entry point, `proxy_cli.run_server`).

Protocol (compat-core/src/gateway/prefork.rs): one JSON object a line on
stdin, {"argv": [...], "env": {...}, "log": path}; one line back on stdout,
{"pid": n} or {"error": text}. The first line out is {"ready": version} once the
import is done. Before forking, the launcher also imports the modules a proxy
would import only once it serves (`--preload`, prefork_preload.txt), so they
are shared too. End of stdin (the harness went away) stops every child, unless started
with --detached (`cargo xtask up`).
"""

import importlib
import json
import os
import signal
import sys
import threading
import time


def preload(path):
    """Import the modules a proxy imports only after it starts (provider
    transformations, pass-through routes, boto/google auth): imported here,
    they are shared by every child instead of imported, and copied, once per
    proxy. The list (prefork_preload.txt) is best effort: a name this LiteLLM
    lacks, or that fails to import, is skipped, and the child imports what it
    needs as before."""
    names = [
        line.strip()
        for line in open(path, encoding="utf-8")
        if line.strip() and not line.startswith("#")
    ]
    done = 0
    for name in names:
        try:
            importlib.import_module(name)
            done += 1
        except BaseException:  # noqa: BLE001 - a module we cannot preload is the child's to import
            pass
    sys.stderr.write(f"prefork: preloaded {done} of {len(names)} modules\n")


def dump_modules(label, every=None):
    """COMPAT_PREFORK_DUMP_MODULES=<dir>: write this process's sys.modules
    there (how prefork_preload.txt is regenerated; see its header). A proxy
    is stopped by a signal, with no hook of ours left to run (uvicorn installs
    its own handlers), so it rewrites its list `every` seconds instead."""
    where = os.environ.get("COMPAT_PREFORK_DUMP_MODULES")
    if not where:
        return

    def write():
        os.makedirs(where, exist_ok=True)
        with open(os.path.join(where, f"{label}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(sorted(sys.modules)) + "\n")

    if every is None:
        write()
        return

    def loop():
        while True:
            time.sleep(every)
            write()

    threading.Thread(target=loop, daemon=True).start()


def main():
    out = sys.stdout
    # Import everything `litellm --config` imports before it serves.
    from litellm.proxy import proxy_cli, proxy_server  # noqa: F401
    import uvicorn  # noqa: F401

    dump_modules(f"launcher-{os.getpid()}")
    if "--preload" in sys.argv:
        preload(sys.argv[sys.argv.index("--preload") + 1])

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
                dump_modules(f"proxy-{os.getpid()}", every=10)
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
