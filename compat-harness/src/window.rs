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

use compat_matrix::provider::Provider;

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
/// trials still to run per column. Made when the run is planned (so a trial
/// that ends before the environment is up is counted too); the proxies are
/// queued once the environment knows them.
pub(crate) struct Window<T> {
    width: usize,
    state: Mutex<State<T>>,
    changed: Condvar,
}

struct State<T> {
    queue: VecDeque<(Provider, T)>,
    /// Handed out to be started, and not yet released.
    live: usize,
    handed_out: BTreeSet<Provider>,
    /// Columns a trial is waiting for.
    demanded: BTreeSet<Provider>,
    remaining: BTreeMap<Provider, usize>,
    finished: BTreeSet<Provider>,
}

/// What the end of a trial means for its column's proxy.
pub(crate) enum Finish<T> {
    /// Trials of the column are left.
    NotLast,
    /// The last one: stop the proxy (once it is up), then `release`.
    Stop,
    /// The last one, and its proxy was never handed out: here is its job
    /// (None if it was never queued), to be failed, not started.
    Dropped(Option<T>),
}

impl<T> Window<T> {
    /// `remaining`: the trials that will run, per column.
    pub(crate) fn new(width: usize, remaining: BTreeMap<Provider, usize>) -> Self {
        Window {
            width: width.max(1),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                live: 0,
                handed_out: BTreeSet::new(),
                demanded: BTreeSet::new(),
                remaining,
                finished: BTreeSet::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// Queues the proxies to start, in the order the trials need them.
    /// Returns those whose columns have already finished (to be failed).
    pub(crate) fn enqueue(&self, jobs: Vec<(Provider, T)>) -> Vec<(Provider, T)> {
        let mut s = self.state.lock().expect("window");
        let mut late = Vec::new();
        for (p, job) in jobs {
            if s.finished.contains(&p) {
                late.push((p, job));
            } else {
                s.queue.push_back((p, job));
            }
        }
        self.changed.notify_all();
        late
    }

    /// The next proxy to start, blocking until one may: the first a trial
    /// waits for, else the next in order once fewer than `width` are alive.
    /// None when the queue is empty.
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
                s.handed_out.insert(item.0);
                return Some(item);
            }
            s = self.changed.wait(s).expect("window");
        }
    }

    /// A trial wants `p`'s proxy: start it now if it is still queued. Err
    /// when the column's trials were all counted finished (a harness bug:
    /// a trial ran that the count did not know).
    pub(crate) fn want(&self, p: Provider) -> Result<(), String> {
        let mut s = self.state.lock().expect("window");
        if s.finished.contains(&p) {
            return Err(format!(
                "harness bug: the proxy for {} was stopped after what the run counted as its last trial, and another trial needed it",
                p.id()
            ));
        }
        if !s.handed_out.contains(&p) && s.demanded.insert(p) {
            self.changed.notify_all();
        }
        Ok(())
    }

    /// A proxy that was handed out is gone (it failed to start, or it was
    /// stopped): its place in the window is free.
    pub(crate) fn release(&self) {
        let mut s = self.state.lock().expect("window");
        s.live = s.live.saturating_sub(1);
        self.changed.notify_all();
    }

    /// A trial of column `p` has finished.
    pub(crate) fn finished(&self, p: Provider) -> Finish<T> {
        let mut s = self.state.lock().expect("window");
        let Some(n) = s.remaining.get_mut(&p) else {
            return Finish::NotLast;
        };
        *n = n.saturating_sub(1);
        if *n > 0 {
            return Finish::NotLast;
        }
        s.remaining.remove(&p);
        s.finished.insert(p);
        if s.handed_out.contains(&p) {
            return Finish::Stop;
        }
        let job = s
            .queue
            .iter()
            .position(|(q, _)| *q == p)
            .and_then(|i| s.queue.remove(i))
            .map(|(_, job)| job);
        self.changed.notify_all();
        Finish::Dropped(job)
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

    fn window(width: usize) -> Arc<Window<Provider>> {
        let w = Window::new(width, [(A, 2), (B, 1), (C, 1)].into_iter().collect());
        assert!(w.enqueue(vec![(A, A), (B, B), (C, C)]).is_empty());
        Arc::new(w)
    }

    fn next(w: &Window<Provider>) -> Option<Provider> {
        w.next().map(|x| x.0)
    }

    #[test]
    fn starts_in_order_and_no_more_than_the_width() {
        let w = window(2);
        assert_eq!(next(&w), Some(A));
        assert_eq!(next(&w), Some(B));
        // The third waits for a place.
        let w2 = w.clone();
        let third = std::thread::spawn(move || next(&w2));
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !third.is_finished(),
            "a third proxy started in a window of two"
        );
        assert!(
            matches!(w.finished(A), Finish::NotLast),
            "A has a trial left"
        );
        assert!(matches!(w.finished(A), Finish::Stop));
        assert!(
            w.want(A).is_err(),
            "A's proxy is stopped: a trial wanting it is a harness bug"
        );
        w.release();
        assert_eq!(third.join().unwrap(), Some(C));
        assert_eq!(next(&w), None);
    }

    #[test]
    fn a_waiting_trial_starts_its_proxy_whatever_the_window_holds() {
        let w = window(1);
        assert_eq!(next(&w), Some(A));
        let w2 = w.clone();
        let started = std::thread::spawn(move || next(&w2));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!started.is_finished());
        w.want(C).unwrap();
        assert_eq!(
            started.join().unwrap(),
            Some(C),
            "the wanted proxy jumps the queue"
        );
        // B is still queued, the window over-full: only a want takes it.
        w.want(B).unwrap();
        assert_eq!(next(&w), Some(B));
        assert_eq!(next(&w), None);
    }

    #[test]
    fn a_column_whose_trials_ended_before_its_proxy_started_never_starts_it() {
        let w = window(1);
        assert_eq!(next(&w), Some(A));
        assert!(
            matches!(w.finished(B), Finish::Dropped(Some(B))),
            "B's job comes back, to be failed"
        );
        w.want(C).unwrap();
        assert_eq!(next(&w), Some(C));
        assert_eq!(next(&w), None, "B was started after all");
    }

    #[test]
    fn a_column_finished_before_the_environment_queued_it_is_handed_back() {
        let w: Window<Provider> = Window::new(2, [(A, 1), (B, 1)].into_iter().collect());
        assert!(matches!(w.finished(A), Finish::Dropped(None)));
        assert_eq!(w.enqueue(vec![(A, A), (B, B)]), vec![(A, A)]);
        assert_eq!(next(&w), Some(B));
        assert_eq!(next(&w), None);
    }

    #[test]
    fn an_uncounted_column_is_never_reported_finished() {
        let w = window(2);
        assert!(matches!(w.finished(Provider::Azure), Finish::NotLast));
        assert!(w.want(Provider::Azure).is_ok());
    }
}
