//! The trace hash: a digest of every processed event and history line of a run. Two runs
//! with the same hash took the same path (the golden tests and the native/wasm check rely on
//! it).

use super::domain::Kind;
use super::history::{Op, Rec, SkipReason};

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

impl TraceHash {
    /// Mixes an optional word: its presence, then its value.
    fn mix_opt(&mut self, w: Option<u64>) {
        match w {
            None => self.mix(0),
            Some(w) => {
                self.mix(1);
                self.mix(w);
            }
        }
    }

    /// Mixes a list of words: its length, then each word.
    fn mix_all(&mut self, ws: impl ExactSizeIterator<Item = u64>) {
        self.mix(ws.len() as u64);
        for w in ws {
            self.mix(w);
        }
    }

    /// Mixes a string: its length, then its bytes eight at a time.
    fn mix_str(&mut self, s: &str) {
        self.mix(s.len() as u64);
        for chunk in s.as_bytes().chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }
}

/// A 64-bit digest of one history line (for the trace hash): its time, its node, a tag per
/// kind of line and every field of the line, so two runs that differ in any recorded fact
/// (a crash's node, a cut's direction, a pause's length, a read's replicas) differ in hash.
pub fn hash_rec(r: &Rec) -> u64 {
    let mut h = TraceHash::new();
    h.mix(r.t_us);
    h.mix(r.node as u64);
    let kind = |k: &Kind| k.index() as u64;
    match &r.op {
        Op::Start { replicas, seed, scenario } => {
            h.mix(1);
            h.mix_all(replicas.iter().map(|&n| n as u64));
            h.mix(*seed);
            h.mix_str(scenario);
        }
        Op::Commit { event, delivery, kind: k, seq } => {
            h.mix(2);
            h.mix_all([*event, *delivery as u64, kind(k), *seq as u64].into_iter());
        }
        Op::Publish { event, partition } => {
            h.mix(3);
            h.mix_all([*event, *partition as u64].into_iter());
        }
        Op::Append { event, partition, offset } => {
            h.mix(4);
            h.mix_all([*event, *partition as u64, *offset].into_iter());
        }
        Op::Ack { event, partition, offset } => {
            h.mix(5);
            h.mix_all([*event, *partition as u64, *offset].into_iter());
        }
        Op::Deliver { event, partition, offset } => {
            h.mix(6);
            h.mix_all([*event, *partition as u64, *offset].into_iter());
        }
        Op::Apply { replica, event, delivery, kind: k, seq } => {
            h.mix(7);
            h.mix_all([*replica as u64, *event, *delivery as u64, kind(k), *seq as u64].into_iter());
        }
        Op::Skip { replica, partition, event, reason } => {
            h.mix(8);
            h.mix_opt(replica.map(u64::from));
            h.mix_opt(partition.map(u64::from));
            h.mix(*event);
            h.mix(match reason {
                SkipReason::Duplicate => 0,
                SkipReason::Stale => 1,
            });
        }
        Op::Read { delivery, replicas, version, latest, refused } => {
            h.mix(9);
            h.mix(*delivery as u64);
            h.mix_all(replicas.iter().map(|&n| n as u64));
            h.mix_all([*version as u64, *latest as u64, *refused as u64].into_iter());
        }
        Op::Crash => h.mix(10),
        Op::Restart => h.mix(11),
        Op::Cut { to, oneway } => {
            h.mix(12);
            h.mix_all([*to as u64, *oneway as u64].into_iter());
        }
        Op::Heal { to } => {
            h.mix(13);
            h.mix_opt(to.map(u64::from));
        }
        Op::Pause { for_ms } => {
            h.mix(14);
            h.mix(*for_ms);
        }
        Op::Wipe { replica } => {
            h.mix(15);
            h.mix(*replica as u64);
        }
        Op::FinalLog { partition, events } => {
            h.mix(16);
            h.mix(*partition as u64);
            h.mix_all(events.iter().copied());
        }
        Op::Final { delivery, status, version } => {
            h.mix(17);
            h.mix(*delivery as u64);
            h.mix_opt(status.as_ref().map(kind));
            h.mix(*version as u64);
        }
    }
    h.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(op: Op) -> u64 {
        hash_rec(&Rec { t_us: 5, node: 1, op })
    }

    // Fault lines differ in hash when any field differs (they used to hash to their name's
    // length only).
    #[test]
    fn fault_fields_change_the_hash() {
        assert_ne!(rec(Op::Cut { to: 2, oneway: true }), rec(Op::Cut { to: 2, oneway: false }));
        assert_ne!(rec(Op::Cut { to: 2, oneway: false }), rec(Op::Cut { to: 3, oneway: false }));
        assert_ne!(rec(Op::Pause { for_ms: 10 }), rec(Op::Pause { for_ms: 20 }));
        assert_ne!(rec(Op::Heal { to: None }), rec(Op::Heal { to: Some(0) }));
        assert_ne!(rec(Op::Wipe { replica: 3 }), rec(Op::Wipe { replica: 4 }));
        assert_ne!(rec(Op::Crash), rec(Op::Restart));
    }

    // Lines of the same shape but a different kind differ (append, ack and deliver once shared
    // a tag).
    #[test]
    fn same_shape_lines_differ_by_kind() {
        let (event, partition, offset) = (1, 0, 7);
        let append = rec(Op::Append { event, partition, offset });
        assert_ne!(append, rec(Op::Ack { event, partition, offset }));
        assert_ne!(append, rec(Op::Deliver { event, partition, offset }));
    }

    // Every field of a read counts, the replicas asked included.
    #[test]
    fn read_replicas_change_the_hash() {
        let read = |replicas: Vec<u16>| Op::Read { delivery: 0, replicas, version: 1, latest: 1, refused: false };
        assert_ne!(rec(read(vec![3])), rec(read(vec![4])));
    }
}
