//! Which proxies are alive: the run's memory budget.
//!
//! Trials run column by column (see `harness::prepare`), so a column's proxy
//! is needed only while its trials run. The window starts proxies in that
//! order, at most `width` of them alive at once (one ahead of the column
//! running, so a trial rarely waits), and says when a column's last trial
//! has finished, so its proxy can be stopped. Measured (`cargo xtask bench`):
//! eleven LiteLLM proxies alive for the whole run cost ~130 MB each; two at
//! a time keep the run's peak near two of them.
//!
//! Two rules keep it from ever deadlocking or starving a trial:
//! - a proxy a trial is waiting for (`demand`) starts at once, whatever the
//!   window holds: the width is a memory target, never a reason to wait;
//! - a column's count comes from the trials libtest-mimic will run (filters
//!   and ignores applied), and is only ever decremented by a trial that ran:
//!   a count too high keeps a proxy alive longer (memory, not a verdict); a
//!   trial that finds its proxy stopped is a harness error, never a red.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex};

use compat_core::provider::Provider;

/// Proxies alive at once unless `COMPAT_PROXY_WINDOW` says otherwise.
pub(crate) const DEFAULT_WIDTH: usize = 2;

/// The window's width: `COMPAT_PROXY_WINDOW` (at least 1), else the default.
pub(crate) fn width_from_env() -> Result<usize, String> {
    match std::env::var("COMPAT_PROXY_WINDOW") {
        Err(_) => Ok(DEFAULT_WIDTH),
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "COMPAT_PROXY_WINDOW={v:?}: expected a whole number of proxies, at least 1"
            )),
        },
    }
}

/// The proxies still to start (`T` is what starting one needs) and the
/// trials still to run per column.
pub(crate) struct Window<T> {
    width: usize,
    state: Mutex<State<T>>,
    changed: Condvar,
}

struct State<T> {
    queue: VecDeque<(Provider, T)>,
    /// Started (or starting) and not yet stopped.
    live: usize,
    /// Columns a trial is waiting for.
    demanded: BTreeSet<Provider>,
    remaining: BTreeMap<Provider, usize>,
    stopped: BTreeSet<Provider>,
}

impl<T> Window<T> {
    /// `queue` in the order the trials need the proxies; `remaining`, the
    /// trials that will run per column.
    pub(crate) fn new(
        width: usize,
        queue: Vec<(Provider, T)>,
        remaining: BTreeMap<Provider, usize>,
    ) -> Self {
        Window {
            width: width.max(1),
            state: Mutex::new(State {
                queue: queue.into(),
                live: 0,
                demanded: BTreeSet::new(),
                remaining,
                stopped: BTreeSet::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// The next proxy to start, blocking until one may: the first a trial
    /// waits for, else the next in order once fewer than `width` are alive.
    /// None when every proxy has been handed out.
    pub(crate) fn next(&self) -> Option<(Provider, T)> {
        let mut s = self.state.lock().expect("window");
        loop {
            if s.queue.is_empty() {
                return None;
            }
            let pick = s
                .queue
                .iter()
                .position(|(p, _)| s.demanded.contains(p))
                .or((s.live < self.width).then_some(0));
            if let Some(i) = pick {
                let item = s.queue.remove(i).expect("in range");
                s.live += 1;
                return Some(item);
            }
            s = self.changed.wait(s).expect("window");
        }
    }

    /// A trial waits for `p`'s proxy: start it now if it is still queued.
    pub(crate) fn demand(&self, p: Provider) {
        let mut s = self.state.lock().expect("window");
        if s.demanded.insert(p) {
            self.changed.notify_all();
        }
    }

    /// A proxy that was handed out is gone (it failed to start, or it was
    /// stopped): its place in the window is free.
    pub(crate) fn release(&self) {
        let mut s = self.state.lock().expect("window");
        s.live = s.live.saturating_sub(1);
        self.changed.notify_all();
    }

    /// A trial of column `p` has finished. True when it was the column's
    /// last and its proxy was handed out: the caller stops it (once it is
    /// up), then calls `release`. A proxy still queued is dropped here: no
    /// trial is left to use it.
    pub(crate) fn finished(&self, p: Provider) -> bool {
        let mut s = self.state.lock().expect("window");
        let Some(n) = s.remaining.get_mut(&p) else {
            return false;
        };
        *n = n.saturating_sub(1);
        if *n > 0 {
            return false;
        }
        s.remaining.remove(&p);
        s.stopped.insert(p);
        let queued = s.queue.len();
        s.queue.retain(|(q, _)| *q != p);
        if s.queue.len() < queued {
            self.changed.notify_all();
            return false;
        }
        true
    }

    /// Whether `p`'s proxy was stopped after its last counted trial.
    pub(crate) fn is_stopped(&self, p: Provider) -> bool {
        self.state.lock().expect("window").stopped.contains(&p)
    }

    /// Whether any queued proxy still needs what `same` recognises (e.g.
    /// the launcher of one environment): when none does, it can go.
    pub(crate) fn any_queued(&self, same: impl Fn(&T) -> bool) -> bool {
        let s = self.state.lock().expect("window");
        s.queue.iter().any(|(_, t)| same(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    const A: Provider = Provider::Anthropic;
    const B: Provider = Provider::BedrockInvoke;
    const C: Provider = Provider::VertexAi;

    fn window(width: usize) -> Arc<Window<()>> {
        let remaining = [(A, 2), (B, 1), (C, 1)].into_iter().collect();
        Arc::new(Window::new(
            width,
            vec![(A, ()), (B, ()), (C, ())],
            remaining,
        ))
    }

    #[test]
    fn starts_in_order_and_no_more_than_the_width() {
        let w = window(2);
        assert_eq!(w.next().map(|x| x.0), Some(A));
        assert_eq!(w.next().map(|x| x.0), Some(B));
        // The third waits for a place.
        let w2 = w.clone();
        let third = std::thread::spawn(move || w2.next().map(|x| x.0));
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !third.is_finished(),
            "a third proxy started in a window of two"
        );
        assert!(!w.finished(A), "A has a trial left");
        assert!(w.finished(A));
        assert!(w.is_stopped(A));
        w.release();
        assert_eq!(third.join().unwrap(), Some(C));
        assert_eq!(w.next().map(|x| x.0), None);
    }

    #[test]
    fn a_waiting_trial_starts_its_proxy_whatever_the_window_holds() {
        let w = window(1);
        assert_eq!(w.next().map(|x| x.0), Some(A));
        let w2 = w.clone();
        let next = std::thread::spawn(move || w2.next().map(|x| x.0));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!next.is_finished());
        w.demand(C);
        assert_eq!(
            next.join().unwrap(),
            Some(C),
            "the demanded proxy jumps the queue"
        );
        // B is still queued, the window over-full: only a demand takes it.
        w.demand(B);
        assert_eq!(w.next().map(|x| x.0), Some(B));
        assert_eq!(w.next().map(|x| x.0), None);
    }

    #[test]
    fn a_column_whose_trials_ended_before_its_proxy_started_never_starts_it() {
        let w = window(1);
        assert_eq!(w.next().map(|x| x.0), Some(A));
        assert!(!w.finished(B), "nothing to stop: B was never handed out");
        w.demand(C);
        assert_eq!(w.next().map(|x| x.0), Some(C));
        assert_eq!(w.next().map(|x| x.0), None, "B was started after all");
    }

    #[test]
    fn an_uncounted_column_is_never_reported_finished() {
        let w = window(2);
        assert!(!w.finished(Provider::Azure));
        assert!(!w.is_stopped(Provider::Azure));
    }
}
