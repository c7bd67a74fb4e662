//! Child processes in their own process group, killed (the whole group) when
//! the guard is dropped: on success, error, timeout and panic alike.
//!
//! The claude CLI and LiteLLM both start children of their own (the Bash tool,
//! uvicorn workers); killing only the direct child would leave those behind.

use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// A spawned process group. Dropping it kills the group and reaps the child.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    pgid: Pid,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        let child = cmd.spawn()?;
        let pgid = Pid::from_raw(child.id() as i32);
        Ok(GroupChild { child, pgid })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// `Some(status)` if the leader has exited.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Asks the group to stop (SIGTERM), waits up to `grace`, then SIGKILLs
    /// whatever is left of the group.
    pub fn terminate(&mut self, grace: Duration) {
        let _ = killpg(self.pgid, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// SIGKILLs the whole group and reaps the leader.
    pub fn kill(&mut self) {
        let _ = killpg(self.pgid, Signal::SIGKILL);
        let _ = self.child.wait();
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
