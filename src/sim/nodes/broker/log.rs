//! A partition replica's log, the part of a broker that survives a crash: its records, its
//! checkpointed high watermark and the idempotent producers' recent batches (rebuilt from the
//! log on truncation, as Kafka rebuilds producer state from the log's batches).

use std::collections::{BTreeMap, VecDeque};

use crate::sim::msg::Record;

/// How many recent batches per producer id the broker remembers for dedup.
const PRODUCER_WINDOW: usize = 5;
/// A partition replica's log: durable.
#[derive(Clone, Debug, Default)]
pub struct PartLog {
    /// Offset = index.
    pub records: Vec<Record>,
    /// The last high watermark this replica knew (checkpointed).
    pub hw: u64,
    /// Per producer id: the last few (sequence, offset) pairs, rebuilt from the log.
    pub producers: BTreeMap<u64, VecDeque<(i64, u64)>>,
}

impl PartLog {
    pub fn leo(&self) -> u64 {
        self.records.len() as u64
    }

    fn note_producer(&mut self, r: &Record, offset: u64) {
        if r.producer_id == 0 {
            return;
        }
        let e = self.producers.entry(r.producer_id).or_default();
        if e.len() == PRODUCER_WINDOW {
            e.pop_front();
        }
        e.push_back((r.producer_seq, offset));
    }

    pub fn append(&mut self, r: Record) -> u64 {
        let off = self.leo();
        self.note_producer(&r, off);
        self.records.push(r);
        off
    }

    /// Drops records from `to` on and rebuilds the producer table.
    pub fn truncate(&mut self, to: u64) -> u64 {
        let to = to.min(self.leo());
        let dropped = self.leo() - to;
        if dropped == 0 {
            return 0;
        }
        self.records.truncate(to as usize);
        self.hw = self.hw.min(to);
        self.producers.clear();
        let recs = std::mem::take(&mut self.records);
        for (i, r) in recs.iter().enumerate() {
            self.note_producer(r, i as u64);
        }
        self.records = recs;
        dropped
    }

    /// The epoch of the record before `offset` (0 at the start).
    pub fn epoch_before(&self, offset: u64) -> u32 {
        if offset == 0 {
            0
        } else {
            self.records.get(offset as usize - 1).map(|r| r.epoch).unwrap_or(0)
        }
    }

    /// OffsetsForLeaderEpoch: the end offset of `epoch` in this log, i.e. the first offset
    /// whose epoch is greater, or the log end.
    pub fn end_offset_for_epoch(&self, epoch: u32) -> u64 {
        // Records are appended with non-decreasing epochs: binary search.
        self.records.partition_point(|r| r.epoch <= epoch) as u64
    }
}
