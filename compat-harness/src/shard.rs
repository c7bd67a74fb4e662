//! `COMPAT_SHARD=i/N`: this process runs shard i of N (1-based, as
//! `cargo nextest run --partition count:i/N`). The partition is by column:
//! every trial of a provider lands in the same shard, so a shard starts only
//! the proxies of its own columns, each once. Columns are dealt to shards
//! largest first, each to the shard with the fewest trials so far (ties: the
//! manifest's order, then the lower shard), so the same trial list always
//! gives the same partition and the shards' trial counts differ by at most
//! one column's.

use std::collections::BTreeMap;

use compat_matrix::provider::Provider;

/// Shard `index` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

impl Shard {
    /// Parses `i/N` (also nextest's `count:i/N`).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("COMPAT_SHARD={s:?}: expected i/N with 1 <= i <= N, e.g. 2/4");
        let s2 = s.trim().strip_prefix("count:").unwrap_or(s.trim());
        let (i, n) = s2.split_once('/').ok_or_else(bad)?;
        let (index, total): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > total {
            return Err(bad());
        }
        Ok(Shard { index, total })
    }

    /// From `COMPAT_SHARD`, if set and not empty.
    pub fn from_env() -> Result<Option<Shard>, String> {
        match std::env::var("COMPAT_SHARD") {
            Ok(s) if !s.trim().is_empty() => Shard::parse(&s).map(Some),
            _ => Ok(None),
        }
    }
}

/// Which shard (1-based) each provider's trials belong to. `trials` is the
/// provider of every trial, in the run's order; `order` the manifest's
/// column order (for ties).
pub fn assign(trials: &[Provider], order: &[Provider], total: usize) -> BTreeMap<Provider, usize> {
    let mut count: BTreeMap<Provider, usize> = BTreeMap::new();
    for &p in trials {
        *count.entry(p).or_default() += 1;
    }
    let pos = |p: &Provider| order.iter().position(|o| o == p).unwrap_or(usize::MAX);
    let mut columns: Vec<(Provider, usize)> = count.into_iter().collect();
    columns.sort_by(|a, b| b.1.cmp(&a.1).then(pos(&a.0).cmp(&pos(&b.0))));
    let mut load = vec![0usize; total.max(1)];
    let mut out = BTreeMap::new();
    for (p, n) in columns {
        let (shard, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(i, l)| (**l, *i))
            .expect("at least one shard");
        load[shard] += n;
        out.insert(p, shard + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_nextest() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, total: 4 });
        assert_eq!(
            Shard::parse("count:1/2").unwrap(),
            Shard { index: 1, total: 2 }
        );
        for bad in ["0/2", "3/2", "x/2", "2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_column_lands_in_exactly_one_shard_and_the_split_is_balanced() {
        let order = Provider::ALL.to_vec();
        let mut trials = Vec::new();
        for p in &order {
            trials.extend(std::iter::repeat_n(*p, 18));
        }
        trials.extend(std::iter::repeat_n(Provider::Anthropic, 8)); // fault tests
        for n in 1..=6 {
            let a = assign(&trials, &order, n);
            assert_eq!(a.len(), order.len());
            let mut load = vec![0; n];
            for p in &trials {
                load[a[p] - 1] += 1;
            }
            let (max, min) = (load.iter().max().unwrap(), load.iter().min().unwrap());
            if n <= order.len() {
                assert!(max - min <= 26, "n={n}: {load:?}");
                assert!(*min > 0, "n={n}: an empty shard {load:?}");
            }
            // Stable: the same input, the same partition.
            assert_eq!(a, assign(&trials, &order, n));
        }
        assert!(assign(&trials, &order, 1).values().all(|&s| s == 1));
    }
}
