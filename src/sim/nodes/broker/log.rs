//! A partition replica's log, the part of a broker that survives a crash: its records, its
//! checkpointed high watermark and the idempotent producers' recent batches (rebuilt from the
//! log on truncation, as Kafka rebuilds producer state from the log's batches).
//!
//! Dedup is by batch, as Kafka's `ProducerStateEntry` does it: per producer id the last
//! `NUM_BATCHES_TO_RETAIN = 5` batches' first and last sequence numbers and offsets
//! ("When the queue is at capacity, we remove the first element to make space for the incoming
//! batch"); a produced batch whose first and last sequence match a retained one is a duplicate
//! (`findDuplicateBatch`). A follower rebuilds the same table from the records it copies, since
//! each record keeps its batch's base sequence.

use std::collections::{BTreeMap, VecDeque};

use crate::sim::msg::Record;

/// How many recent batches per producer id the broker remembers for dedup
/// (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`; why `max.in.flight` must stay ≤ 5).
const PRODUCER_WINDOW: usize = 5;

/// A retained batch of one producer: its first and last sequence numbers and the offset of its
/// first record (Kafka's `BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMeta {
    pub first_seq: i64,
    pub last_seq: i64,
    pub base_offset: u64,
}

impl BatchMeta {
    /// The offset of the batch's last record.
    pub fn last_offset(&self) -> u64 {
        self.base_offset + (self.last_seq - self.first_seq) as u64
    }
}
/// A partition replica's log: durable.
#[derive(Clone, Debug, Default)]
pub struct PartLog {
    /// Offset = index.
    pub records: Vec<Record>,
    /// The last high watermark this replica knew (checkpointed).
    pub hw: u64,
    /// Per producer id: its last few batches, rebuilt from the log.
    pub producers: BTreeMap<u64, VecDeque<BatchMeta>>,
}

impl PartLog {
    pub fn leo(&self) -> u64 {
        self.records.len() as u64
    }

    /// Notes an appended record in its producer's batches: the first record of a batch opens a
    /// new entry (dropping the oldest past five), the others extend the newest.
    fn note_producer(&mut self, r: &Record, offset: u64) {
        if r.producer_id == 0 {
            return;
        }
        let e = self.producers.entry(r.producer_id).or_default();
        match e.back_mut() {
            Some(b) if r.producer_seq != r.base_seq && b.first_seq == r.base_seq => b.last_seq = r.producer_seq,
            _ => {
                if e.len() == PRODUCER_WINDOW {
                    e.pop_front();
                }
                e.push_back(BatchMeta { first_seq: r.producer_seq, last_seq: r.producer_seq, base_offset: offset });
            }
        }
    }

    /// The retained batch of `producer_id` with these first and last sequence numbers: a retry
    /// of a batch this log already has.
    pub fn duplicate_of(&self, producer_id: u64, first_seq: i64, last_seq: i64) -> Option<BatchMeta> {
        let recent = self.producers.get(&producer_id)?;
        recent.iter().copied().find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
    }

    /// The sequence number the next batch of `producer_id` must start with (0 for a producer
    /// this log does not know).
    pub fn next_seq(&self, producer_id: u64) -> i64 {
        self.producers.get(&producer_id).and_then(|r| r.back()).map_or(0, |b| b.last_seq + 1)
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
