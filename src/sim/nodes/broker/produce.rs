//! The broker's produce path: a request carries one batch for each of several partitions this
//! broker leads; each batch is checked and appended on its own, and the request is answered
//! once every partition has its answer.
//!
//! Rules, with the Kafka documentation they follow:
//! - "Requests sent to brokers will contain multiple batches, one for each partition with data
//!   available to be sent" (producer config `batch.size`). Each partition's batch succeeds or
//!   fails on its own (`ProduceResponse` carries one error code and base offset per partition).
//! - `acks=all`: a batch is refused up front with NOT_ENOUGH_REPLICAS when the ISR is smaller
//!   than `min.insync.replicas`; otherwise it waits in the produce purgatory until the high
//!   watermark passes its last record (`DelayedProduce`, which completes once every partition of
//!   the request is satisfied), with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below the
//!   minimum meanwhile. A partition this broker stops leading answers NOT_LEADER_OR_FOLLOWER.
//! - Idempotent producer: a batch whose first and last sequence match one of the producer's five
//!   retained batches is a retry: nothing is appended, the answer is the original base offset
//!   (`ProducerStateEntry.findDuplicateBatch`); a batch that does not continue the sequence is
//!   refused with OUT_OF_ORDER_SEQUENCE_NUMBER.

use super::{Broker, PartRole};
use crate::sim::config::Acks;
use crate::sim::history::{NodeId, Op, SkipReason};
use crate::sim::msg::{Msg, PartIdx, PartResult, ProduceBatch, ProduceError};
use crate::sim::nodes::{Ctx, NoticeKind};

/// A produce request waiting in the purgatory for its acks=all partitions.
#[derive(Clone, Debug)]
pub struct DelayedProduce {
    pub from: NodeId,
    pub req: u64,
    /// One slot per partition of the request, in the request's order.
    pub slots: Vec<Slot>,
}

/// One partition's state in a delayed produce.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub part: PartIdx,
    /// The batch's base offset, answered once `last` is below the high watermark.
    pub base: u64,
    /// The batch's last offset.
    pub last: u64,
    /// The answer, once known.
    pub answer: Option<PartResult>,
}

/// What a batch comes to at once: an answer, or a wait for the high watermark.
enum Step {
    Answer(Result<u64, ProduceError>, bool),
    Wait { base: u64, last: u64 },
}

impl Broker {
    /// A produce request: every batch checked and appended, then answered (at once, or from
    /// the purgatory when some partition waits for its high watermark).
    pub(super) fn on_produce(&mut self, from: NodeId, req: u64, acks: Acks, batches: Vec<ProduceBatch>, ctx: &mut Ctx) {
        let mut slots = Vec::with_capacity(batches.len());
        for b in batches {
            let part = b.part;
            let answer = match self.append_batch(b, acks, ctx) {
                Step::Answer(result, duplicate) => {
                    Slot { part, base: 0, last: 0, answer: Some(PartResult { part, result, duplicate }) }
                }
                Step::Wait { base, last } => Slot { part, base, last, answer: None },
            };
            slots.push(answer);
        }
        if acks == Acks::Zero {
            return; // nobody waits for an answer
        }
        self.vol.purgatory.push(DelayedProduce { from, req, slots });
        let parts: Vec<PartIdx> =
            self.vol.purgatory.last().map(|d| d.slots.iter().map(|s| s.part).collect()).unwrap_or_default();
        for part in parts {
            self.advance_hw(part, ctx);
        }
        self.answer_complete(ctx);
    }

    /// Checks one partition's batch (leadership, ISR, idempotent sequence) and appends it.
    fn append_batch(&mut self, batch: ProduceBatch, acks: Acks, ctx: &mut Ctx) -> Step {
        let p = batch.part as usize;
        let number = ctx.topo.parts[p].number;
        let st = &self.vol.parts[p];
        let (Some(first), Some(last)) = (batch.records.first(), batch.records.last()) else {
            return Step::Answer(Ok(self.durable.logs[p].leo()), false);
        };
        if st.role != PartRole::Leader {
            return Step::Answer(Err(ProduceError::NotLeader), false);
        }
        if acks == Acks::All && (st.isr.len() as u32) < ctx.cfg.min_insync_replicas {
            self.refused_not_enough += 1;
            ctx.notice(NoticeKind::NotEnoughReplicas { part: batch.part });
            return Step::Answer(Err(ProduceError::NotEnoughReplicas), false);
        }
        let epoch = st.epoch;
        let log = &mut self.durable.logs[p];
        let pid = first.producer_id;
        if pid != 0 {
            if let Some(dup) = log.duplicate_of(pid, first.producer_seq, last.producer_seq) {
                // A retry of a batch we already have: append nothing, answer with the original
                // base offset — for acks=all only once that batch is committed, as for any
                // produce (the duplicate still goes through the produce purgatory).
                self.dedup_dropped += batch.records.len() as u64;
                for ev in batch.records.iter().filter_map(|r| r.payload.event()) {
                    let skip = SkipReason::Duplicate;
                    ctx.record(Op::Skip { replica: None, partition: Some(number), event: ev, reason: skip });
                }
                return match acks {
                    Acks::All => Step::Wait { base: dup.base_offset, last: dup.last_offset() },
                    _ => Step::Answer(Ok(dup.base_offset), true),
                };
            }
            if first.producer_seq != log.next_seq(pid) {
                return Step::Answer(Err(ProduceError::OutOfOrderSequence), false);
            }
        }
        let base = log.leo();
        for mut r in batch.records {
            r.epoch = epoch;
            let offset = log.append(r);
            if let Some(ev) = r.payload.event() {
                ctx.record(Op::Append { event: ev, partition: number, offset });
            }
        }
        let last = log.leo() - 1;
        match acks {
            Acks::All => Step::Wait { base, last },
            _ => Step::Answer(Ok(base), false),
        }
    }

    /// The high watermark of `part` moved: its waiting batches below it are answered (with
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is below the minimum).
    pub(super) fn release_waiting(&mut self, part: PartIdx, hw: u64, isr_ok: bool) {
        for d in &mut self.vol.purgatory {
            for s in d.slots.iter_mut().filter(|s| s.part == part && s.answer.is_none() && s.last < hw) {
                let result = if isr_ok { Ok(s.base) } else { Err(ProduceError::NotEnoughReplicasAfterAppend) };
                s.answer = Some(PartResult { part, result, duplicate: false });
            }
        }
    }

    /// This broker no longer leads `part` (or leads it in a new epoch): its waiting batches
    /// fail with NOT_LEADER_OR_FOLLOWER, so their producers refresh metadata and retry.
    pub(super) fn fail_waiting(&mut self, part: PartIdx, ctx: &mut Ctx) {
        for d in &mut self.vol.purgatory {
            for s in d.slots.iter_mut().filter(|s| s.part == part && s.answer.is_none()) {
                s.answer = Some(PartResult { part, result: Err(ProduceError::NotLeader), duplicate: false });
            }
        }
        self.answer_complete(ctx);
    }

    /// Sends the response of every request whose partitions all have their answer.
    pub(super) fn answer_complete(&mut self, ctx: &mut Ctx) {
        let mut i = 0;
        while i < self.vol.purgatory.len() {
            if self.vol.purgatory[i].slots.iter().all(|s| s.answer.is_some()) {
                let d = self.vol.purgatory.remove(i);
                let parts = d.slots.iter().filter_map(|s| s.answer).collect();
                ctx.send(d.from, Msg::ProduceResp { req: d.req, parts });
            } else {
                i += 1;
            }
        }
    }
}
