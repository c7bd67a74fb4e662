//! Child processes in their own process group, killed (the whole group) when
//! the guard is dropped: on success, error, timeout and panic alike.
//!
//! The claude CLI and LiteLLM both start children of their own (the Bash tool,
//! uvicorn workers); killing only the direct child would leave those behind.

use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

/// Every live group spawned by this process, so that they can all be killed
/// at exit: values in statics are never dropped, and a Ctrl-C would orphan
/// groups (they do not receive the terminal's signal).
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Kills every live process group this process spawned.
pub fn kill_all() {
    let groups: Vec<i32> = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|e| e.into_inner()));
    for g in groups {
        let _ = killpg(Pid::from_raw(g), Signal::SIGKILL);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: kill every live group, then exit with
/// 128 + the signal number. Must be called before any other thread starts
/// (the signals are blocked in every thread and waited for in one; children
/// start with an empty signal mask, std resets it at spawn).
pub fn install_signal_cleanup() {
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    if set.thread_block().is_err() {
        return;
    }
    std::thread::Builder::new()
        .name("signal-cleanup".into())
        .spawn(move || {
            if let Ok(sig) = set.wait() {
                // Not `eprintln!`: it panics when stderr is a pipe whose
                // reader is gone (`cargo test ... | grep` with the pipeline
                // killed), and a panic here would end this thread with the
                // signals still blocked everywhere: the run would ignore
                // every later SIGTERM and keep its proxies alive (seen
                // 2026-11-26).
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "\n[compat] {sig:?}: stopping every process this run started"
                );
                kill_all();
                std::process::exit(128 + sig as i32);
            }
        })
        .expect("spawn the signal thread");
}

/// A spawned process group. Dropping it kills the group and reaps the child.
///
/// The group is always killed *before* its leader is reaped: until then the
/// leader's pid (the group id) stays reserved, so the signal cannot reach an
/// unrelated process that reused the pid (pid_max is 32768 in containers).
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    pgid: Pid,
    reaped: Option<ExitStatus>,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        let child = cmd.spawn()?;
        let pgid = Pid::from_raw(child.id() as i32);
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(pgid.as_raw());
        Ok(GroupChild {
            child,
            pgid,
            reaped: None,
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Lets the group outlive this process (`cargo xtask up`): it is no
    /// longer killed on drop or at exit; returns its group id, which whoever
    /// stops it later (`cargo xtask down`) signals.
    pub fn detach(self) -> i32 {
        let pgid = self.pgid.as_raw();
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&g| g != pgid);
        std::mem::forget(self);
        pgid
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// `Some(status)` if the leader has exited; then the rest of its group
    /// has been killed and the leader reaped.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        if let Some(s) = self.reaped {
            return Ok(Some(s));
        }
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | WaitPidFlag::WNOHANG;
        match waitid(Id::Pid(self.pgid), flags) {
            Ok(WaitStatus::StillAlive) => Ok(None),
            Ok(_) => Ok(Some(self.kill_and_reap())),
            Err(e) => Err(std::io::Error::from(e)),
        }
    }

    /// Waits for the leader to exit, kills what is left of its group, reaps.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(s) = self.reaped {
            return Ok(s);
        }
        // Wait without reaping, so the group id stays ours until killed.
        loop {
            match waitid(
                Id::Pid(self.pgid),
                WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
            ) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(std::io::Error::from(e)),
                Ok(_) => break,
            }
        }
        Ok(self.kill_and_reap())
    }

    /// Asks the group to stop (SIGTERM), waits up to `grace`, then SIGKILLs
    /// whatever is left of the group.
    pub fn terminate(&mut self, grace: Duration) {
        if self.reaped.is_some() {
            return;
        }
        let _ = killpg(self.pgid, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// SIGKILLs the whole group and reaps the leader.
    pub fn kill(&mut self) {
        if self.reaped.is_none() {
            self.kill_and_reap();
        }
    }

    fn kill_and_reap(&mut self) -> ExitStatus {
        let _ = killpg(self.pgid, Signal::SIGKILL);
        let status = self.child.wait().expect("reap the child");
        self.reaped = Some(status);
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|g| *g != self.pgid.as_raw());
        status
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_kills_grandchildren() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let g = GroupChild::spawn(Command::new("bash").args(["-c", &script])).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(10));
        }
        let grandchild: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        drop(g);
        std::thread::sleep(Duration::from_millis(100));
        // The grandchild is gone (or a zombie reparented to init).
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "grandchild still running: {stat}"
        );
    }
}
