//! The streams `dashboard`'s state store: latest status per delivery and counts per status,
//! restored from its changelog after a crash (Kafka Streams' local state store + changelog
//! topic). The dashboard node is a [`Consumer`](super::consumer::Consumer) whose store this is.

use std::collections::BTreeMap;

use crate::sim::domain::Kind;
use crate::sim::history::DeliveryId;
use crate::sim::msg::Payload;

/// The streams dashboard's store: latest status per delivery and counts per status, restored
/// from its changelog after a crash (Kafka Streams' local state store + changelog topic).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DashboardStore {
    /// Volatile: the local state store.
    pub latest: BTreeMap<DeliveryId, (Kind, u32)>,
    pub counts: [u64; 6],
    /// Durable: the changelog (delivery, status, version), compacted by key.
    pub changelog: BTreeMap<DeliveryId, (Kind, u32)>,
    pub restored_from_changelog: u64,
}

impl DashboardStore {
    /// Folds an event into the store (the latest version per delivery wins).
    pub fn apply(&mut self, payload: Payload) {
        let Payload::Event { delivery, kind, seq, .. } = payload else { return };
        if let Some((old, v)) = self.latest.get(&delivery).copied() {
            if v >= seq {
                return; // keep the latest state per delivery
            }
            self.counts[old.index()] -= 1;
        }
        self.latest.insert(delivery, (kind, seq));
        self.counts[kind.index()] += 1;
        self.changelog.insert(delivery, (kind, seq));
    }

    /// Crash: the local store is lost; the changelog is not.
    pub fn crash(&mut self) {
        self.latest.clear();
        self.counts = [0; 6];
    }

    /// Restores the store from the changelog.
    pub fn restore(&mut self) {
        self.latest = self.changelog.clone();
        self.counts = [0; 6];
        for (k, _) in self.latest.values() {
            self.counts[k.index()] += 1;
        }
        self.restored_from_changelog = self.latest.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(delivery: DeliveryId, kind: Kind, seq: u32) -> Payload {
        Payload::Event { event: seq as u64, delivery, kind, seq }
    }

    // Counts follow the latest version per delivery; an older version arriving late is ignored.
    #[test]
    fn keeps_latest_per_delivery() {
        let mut d = DashboardStore::default();
        d.apply(ev(1, Kind::Created, 1));
        d.apply(ev(1, Kind::RiderAssigned, 2));
        d.apply(ev(1, Kind::Created, 1));
        assert_eq!(d.counts[Kind::Created.index()], 0);
        assert_eq!(d.counts[Kind::RiderAssigned.index()], 1);
    }

    // A crash empties the store; a restore rebuilds it from the changelog.
    #[test]
    fn restores_from_changelog_after_crash() {
        let mut d = DashboardStore::default();
        d.apply(ev(1, Kind::Created, 1));
        d.apply(ev(2, Kind::Created, 1));
        d.crash();
        assert!(d.latest.is_empty());
        d.restore();
        assert_eq!(d.latest.len(), 2);
        assert_eq!(d.counts[Kind::Created.index()], 2);
        assert_eq!(d.restored_from_changelog, 2);
    }
}
