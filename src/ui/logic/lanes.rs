//! The delivery view's lanes: for one delivery, its events as committed at `app` and as applied
//! (or skipped) at each replica, with what is out of order, duplicated or missing marked.

use std::collections::BTreeSet;

use crate::sim::domain::Kind;
use crate::sim::history::{EventId, NodeId};

/// One chip of a lane: an event as seen at that node.
#[derive(Clone, Debug, PartialEq)]
pub struct Chip {
    pub event: EventId,
    pub kind: Kind,
    pub seq: u32,
    pub t_us: u64,
    pub applied: bool,
    /// Lower seq than one applied before it here.
    pub reordered: bool,
    /// This event was applied here before.
    pub duplicate: bool,
    /// Seqs skipped over right before this one.
    pub gap_before: Vec<u32>,
}

/// Builds the lanes: (node, chips), `app` first, then every replica in order; and the seqs
/// committed at app that a replica has not seen (yet).
pub fn build_lanes(
    raw: &[(NodeId, u64, u64, Kind, u32, bool)],
    order: &[NodeId],
) -> Vec<(NodeId, Vec<Chip>, Vec<u32>)> {
    let app_seqs: Vec<u32> = raw.iter().filter(|r| Some(&r.0) == order.first()).map(|r| r.4).collect();
    order
        .iter()
        .map(|&node| {
            let mut chips = Vec::new();
            let mut seen = BTreeSet::new();
            let mut max = 0u32;
            for &(n, t, event, kind, seq, applied) in raw {
                if n != node {
                    continue;
                }
                let duplicate = applied && !seen.insert(event);
                let reordered = applied && seq < max;
                let gap_before = if applied && seq > max + 1 { (max + 1..seq).collect() } else { Vec::new() };
                if applied {
                    max = max.max(seq);
                }
                chips.push(Chip { event, kind, seq, t_us: t, applied, reordered, duplicate, gap_before });
            }
            let have: BTreeSet<u32> = chips.iter().map(|c| c.seq).collect();
            let missing = app_seqs.iter().copied().filter(|s| !have.contains(s)).collect();
            (node, chips, missing)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replica that applied seq 3 before 2, applied 2 twice, and never got 4: the lane says
    /// reordered, duplicate, and missing #4.
    #[test]
    fn lanes_mark_reorder_duplicates_and_gaps() {
        use Kind::*;
        let raw = vec![
            (0, 1, 10, Created, 1, true),
            (0, 2, 11, RiderAssigned, 2, true),
            (0, 3, 12, PickupReadyRequested, 3, true),
            (0, 4, 13, PickedUp, 4, true),
            (5, 5, 10, Created, 1, true),
            (5, 6, 12, PickupReadyRequested, 3, true),
            (5, 7, 11, RiderAssigned, 2, true),
            (5, 8, 11, RiderAssigned, 2, true),
        ];
        let lanes = build_lanes(&raw, &[0, 5]);
        let (_, chips, missing) = &lanes[1];
        assert_eq!(chips[1].gap_before, vec![2]);
        assert!(chips[2].reordered && !chips[2].duplicate);
        assert!(chips[3].duplicate);
        assert_eq!(missing, &vec![4]);
        assert!(lanes[0].1.iter().all(|c| !c.reordered && !c.duplicate));
    }
}
