//! [`EventSet`]: a compact set of event ids.

use std::collections::BTreeMap;

use crate::sim::history::EventId;

/// A set of event ids stored as 64-bit words keyed by `id / 64`: about 2 bits per id when ids
/// are dense, and still correct (one word per id) when they are not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventSet {
    words: BTreeMap<u64, u64>,
    len: u64,
}

impl EventSet {
    /// Adds `e`; true if it was not there yet.
    pub fn insert(&mut self, e: EventId) -> bool {
        let word = self.words.entry(e / 64).or_insert(0);
        let bit = 1u64 << (e % 64);
        let new = *word & bit == 0;
        *word |= bit;
        self.len += u64::from(new);
        new
    }

    /// Removes `e`; true if it was there.
    pub fn remove(&mut self, e: EventId) -> bool {
        let bit = 1u64 << (e % 64);
        let Some(word) = self.words.get_mut(&(e / 64)) else { return false };
        let had = *word & bit != 0;
        *word &= !bit;
        if *word == 0 {
            self.words.remove(&(e / 64));
        }
        self.len -= u64::from(had);
        had
    }

    /// Whether `e` is in the set.
    pub fn contains(&self, e: EventId) -> bool {
        self.words.get(&(e / 64)).is_some_and(|w| w & (1u64 << (e % 64)) != 0)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.words.clear();
        self.len = 0;
    }

    /// Number of ids in `self` that are in none of `others` (a word at a time).
    pub fn count_missing_from(&self, others: &[&EventSet]) -> u64 {
        self.words
            .iter()
            .map(|(k, w)| {
                let covered = union_word(others, *k);
                u64::from((w & !covered).count_ones())
            })
            .sum()
    }

    /// The lowest id in `self` that is in none of `others` (a word at a time).
    pub fn first_missing_from(&self, others: &[&EventSet]) -> Option<EventId> {
        self.words.iter().find_map(|(k, w)| {
            let covered = union_word(others, *k);
            let missing = w & !covered;
            (missing != 0).then(|| k * 64 + u64::from(missing.trailing_zeros()))
        })
    }
}

/// The union of word `k` of every set in `sets`.
fn union_word(sets: &[&EventSet], k: u64) -> u64 {
    sets.iter().fold(0u64, |acc, o| acc | o.words.get(&k).copied().unwrap_or(0))
}
