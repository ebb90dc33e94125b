//! The trace hash: a digest of every processed event and history line of a run. Two runs
//! with the same hash took the same path (the golden tests and the native/wasm check rely on
//! it).

use super::history::{Op, Rec};

/// The trace hash: a word-at-a-time multiplicative mix (FxHash's step) over every processed
/// event and history line. Portable and cheap; not cryptographic.
#[derive(Clone, Copy, Debug)]
pub struct TraceHash(pub u64);

impl TraceHash {
    pub fn new() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    pub fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for TraceHash {
    fn default() -> Self {
        Self::new()
    }
}

/// A 64-bit digest of one history line (for the trace hash).
pub fn hash_rec(r: &Rec) -> u64 {
    let mut h = TraceHash::new();
    h.mix(r.t_us);
    h.mix(r.node as u64);
    match &r.op {
        Op::Commit { event, seq, .. } => {
            h.mix(1);
            h.mix(*event);
            h.mix(*seq as u64);
        }
        Op::Publish { event, partition } => {
            h.mix(2);
            h.mix(*event);
            h.mix(*partition as u64);
        }
        Op::Append { event, partition, offset }
        | Op::Ack { event, partition, offset }
        | Op::Deliver { event, partition, offset } => {
            h.mix(3);
            h.mix(*event);
            h.mix(*partition as u64);
            h.mix(*offset);
        }
        Op::Apply { replica, event, .. } => {
            h.mix(4);
            h.mix(*replica as u64);
            h.mix(*event);
        }
        Op::Skip { replica, event, .. } => {
            h.mix(5);
            h.mix(replica.map(|r| r as u64).unwrap_or(u64::MAX));
            h.mix(*event);
        }
        Op::Read { delivery, version, refused, .. } => {
            h.mix(6);
            h.mix(*delivery as u64);
            h.mix(*version as u64);
            h.mix(*refused as u64);
        }
        Op::FinalLog { partition, events } => {
            h.mix(7);
            h.mix(*partition as u64);
            for e in events {
                h.mix(*e);
            }
        }
        Op::Final { delivery, version, .. } => {
            h.mix(8);
            h.mix(*delivery as u64);
            h.mix(*version as u64);
        }
        other => {
            h.mix(9);
            h.mix(other.name().len() as u64);
        }
    }
    h.0
}
