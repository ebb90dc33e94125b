//! The delivery domain: six events and the state machine the service enforces.
//!
//! A delivery moves `created → rider_assigned → pickup_ready_requested → picked_up → delivered`;
//! `cancelled` is allowed from any state before `picked_up`. The service refuses anything else,
//! so an invalid transition seen at a replica always means order was broken on the way.

use serde::{Deserialize, Serialize};

/// One of the six delivery events (and, as a row's status, the last one applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Created,
    RiderAssigned,
    PickupReadyRequested,
    PickedUp,
    Delivered,
    Cancelled,
}

impl Kind {
    /// All kinds in lifecycle order (cancelled last).
    pub const ALL: [Kind; 6] = [
        Kind::Created,
        Kind::RiderAssigned,
        Kind::PickupReadyRequested,
        Kind::PickedUp,
        Kind::Delivered,
        Kind::Cancelled,
    ];

    /// The contract's snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Created => "created",
            Kind::RiderAssigned => "rider_assigned",
            Kind::PickupReadyRequested => "pickup_ready_requested",
            Kind::PickedUp => "picked_up",
            Kind::Delivered => "delivered",
            Kind::Cancelled => "cancelled",
        }
    }

    /// Parses the contract's name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// A small dense index (0..6), for arrays of counters.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The next step of the happy path, if any.
    pub fn next_on_happy_path(self) -> Option<Kind> {
        match self {
            Kind::Created => Some(Kind::RiderAssigned),
            Kind::RiderAssigned => Some(Kind::PickupReadyRequested),
            Kind::PickupReadyRequested => Some(Kind::PickedUp),
            Kind::PickedUp => Some(Kind::Delivered),
            Kind::Delivered | Kind::Cancelled => None,
        }
    }

    /// Whether the delivery is finished in this state.
    pub fn is_terminal(self) -> bool {
        matches!(self, Kind::Delivered | Kind::Cancelled)
    }
}

/// Whether the state machine allows moving from `from` (None: no row yet) by event `to`.
#[allow(clippy::match_like_matches_macro)] // one line per allowed transition reads as the diagram
pub fn allowed(from: Option<Kind>, to: Kind) -> bool {
    use Kind::*;
    match (from, to) {
        (None, Created) => true,
        (Some(Created), RiderAssigned) => true,
        (Some(RiderAssigned), PickupReadyRequested) => true,
        (Some(PickupReadyRequested), PickedUp) => true,
        (Some(PickedUp), Delivered) => true,
        (Some(Created | RiderAssigned | PickupReadyRequested), Cancelled) => true,
        _ => false,
    }
}

/// Why the service refused an event (told to the reader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The delivery does not exist and the event is not `created`.
    NoSuchDelivery,
    /// The delivery exists and `created` was fired again.
    AlreadyExists,
    /// The current state does not allow this event.
    NotAllowed { from: Kind, to: Kind },
}

/// Kafka's default partitioner for keyed records: murmur2 of the key bytes, made positive,
/// modulo the partition count (`Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions` in
/// the Java client's `BuiltInPartitioner.partitionForKey`). Using the same function means a
/// reader's key lands on the partition it would land on in a real cluster with the same count.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    (murmur2(key) & 0x7fff_ffff) % partitions.max(1)
}

/// MurmurHash2, 32-bit, with Kafka's seed (0x9747b28c), as in `org.apache.kafka.common.utils.Utils`.
pub fn murmur2(data: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    match rest.len() {
        3 => {
            h ^= (rest[2] as u32) << 16;
            h ^= (rest[1] as u32) << 8;
            h ^= rest[0] as u32;
            h = h.wrapping_mul(M);
        }
        2 => {
            h ^= (rest[1] as u32) << 8;
            h ^= rest[0] as u32;
            h = h.wrapping_mul(M);
        }
        1 => {
            h ^= rest[0] as u32;
            h = h.wrapping_mul(M);
        }
        _ => {}
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The happy path and the cancel rule are allowed; everything else is refused.
    #[test]
    fn state_machine() {
        let mut s = None;
        for k in [Kind::Created, Kind::RiderAssigned, Kind::PickupReadyRequested, Kind::PickedUp, Kind::Delivered] {
            assert!(allowed(s, k), "{s:?} -> {k:?}");
            s = Some(k);
        }
        assert!(allowed(Some(Kind::RiderAssigned), Kind::Cancelled));
        assert!(!allowed(Some(Kind::PickedUp), Kind::Cancelled));
        assert!(!allowed(Some(Kind::Created), Kind::PickupReadyRequested));
        assert!(!allowed(Some(Kind::RiderAssigned), Kind::RiderAssigned));
        assert!(!allowed(None, Kind::Cancelled));
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }

    /// Known murmur2 values from Kafka's own tests (`UtilsTest.testMurmur2`).
    #[test]
    fn murmur2_matches_kafka() {
        assert_eq!(murmur2(b"21") as i32, -973932308);
        assert_eq!(murmur2(b"foobar") as i32, -790332482);
        assert_eq!(murmur2(b"a-little-bit-long-string") as i32, -985981536);
        assert_eq!(murmur2(b"a-little-bit-longer-string") as i32, -1486304829);
        assert_eq!(murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") as i32, -58897971);
        assert_eq!(murmur2(b"abc") as i32, 479470107);
    }
}
