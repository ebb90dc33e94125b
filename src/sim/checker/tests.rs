//! The checker's rules on small hand-written histories.

use super::*;
use crate::sim::history::{parse_jsonl, write_jsonl, Names};

const APP: NodeId = 0;
const BROKER: NodeId = 1;
const DB1: NodeId = 2;
const DB2: NodeId = 3;
const DB3: NodeId = 4;
const CLIENT: NodeId = 5;
const D1: DeliveryId = 0;
const D2: DeliveryId = 1;

fn names() -> Names {
    Names {
        nodes: ["app", "broker-1", "db1", "db2", "db3", "client"].map(String::from).to_vec(),
        deliveries: vec!["D1".into(), "D2".into()],
    }
}

/// A hand-built history; times are given in µs.
#[derive(Default)]
struct H(Vec<Rec>);

impl H {
    fn push(&mut self, t_us: u64, node: NodeId, op: Op) -> &mut Self {
        self.0.push(Rec { t_us, node, op });
        self
    }
    fn start(&mut self, replicas: &[NodeId]) -> &mut Self {
        self.push(0, APP, Op::Start { replicas: replicas.to_vec(), seed: 7, scenario: "test".into() })
    }
    fn commit(&mut self, t_us: u64, event: EventId, delivery: DeliveryId, kind: Kind, seq: u32) -> &mut Self {
        self.push(t_us, APP, Op::Commit { event, delivery, kind, seq })
    }
    fn apply(
        &mut self,
        t_us: u64,
        replica: NodeId,
        event: EventId,
        delivery: DeliveryId,
        kind: Kind,
        seq: u32,
    ) -> &mut Self {
        self.push(t_us, replica, Op::Apply { replica, event, delivery, kind, seq })
    }
    fn skip(&mut self, t_us: u64, replica: NodeId, event: EventId, reason: SkipReason) -> &mut Self {
        self.push(t_us, replica, Op::Skip { replica: Some(replica), partition: None, event, reason })
    }
    fn read(&mut self, t_us: u64, version: u32, latest: u32, refused: bool) -> &mut Self {
        self.push(t_us, CLIENT, Op::Read { delivery: D1, replicas: vec![DB1], version, latest, refused })
    }
    fn report(&self) -> CheckReport {
        Checker::check(&self.0)
    }
}

/// Only the named anomaly counts set; everything else zero.
fn only(f: impl FnOnce(&mut Anomalies)) -> Anomalies {
    let mut a = Anomalies::default();
    f(&mut a);
    a
}

/// A clean run through the whole pipeline: every counter is a line count, no anomaly, and
/// convergence dates from the apply that closed the last gap (a new commit re-opens one).
#[test]
fn clean_history_converges_without_anomalies() {
    let mut h = H::default();
    h.start(&[DB1, DB2]).commit(1_000, 1, D1, Kind::Created, 1);
    h.push(1_100, APP, Op::Publish { event: 1, partition: 0 })
        .push(1_200, BROKER, Op::Append { event: 1, partition: 0, offset: 0 })
        .push(1_300, APP, Op::Ack { event: 1, partition: 0, offset: 0 })
        .push(1_400, DB1, Op::Deliver { event: 1, partition: 0, offset: 0 })
        .push(1_400, DB2, Op::Deliver { event: 1, partition: 0, offset: 0 });
    h.apply(5_000, DB1, 1, D1, Kind::Created, 1).apply(7_500, DB2, 1, D1, Kind::Created, 1);
    assert_eq!(h.report().converged_at_ms, Some(7));
    h.commit(10_000, 2, D1, Kind::RiderAssigned, 2);
    let mid = h.report();
    assert_eq!((mid.converged, mid.converged_at_ms, mid.divergent_rows), (false, None, 2));
    assert_eq!(mid.anomalies, only(|a| a.lost = 2), "e2 is not at either replica yet");
    h.apply(12_000, DB1, 2, D1, Kind::RiderAssigned, 2).apply(14_250, DB2, 2, D1, Kind::RiderAssigned, 2);
    h.read(15_000, 2, 2, false);
    h.push(20_000, BROKER, Op::FinalLog { partition: 0, events: vec![1, 2] });
    h.push(20_000, DB1, Op::Final { delivery: D1, status: Some(Kind::RiderAssigned), version: 2 });
    let r = h.report();
    assert_eq!(r.counts, Counts { committed: 2, published: 1, appended: 1, acked: 1, delivered: 2, applied: 4 });
    assert_eq!(r.anomalies, Anomalies::default());
    assert_eq!((r.converged, r.converged_at_ms, r.divergent_rows), (true, Some(14), 0));
    assert_eq!((r.reads, r.refused_reads, r.last_t_us), (1, 0, 20_000));
}

/// An empty history (or one with only a start line) is converged from time 0.
#[test]
fn nothing_committed_is_converged_at_zero() {
    assert_eq!(Checker::new().report().converged_at_ms, Some(0));
    let r = H::default().start(&[DB1, DB2]).report();
    assert_eq!((r.converged, r.converged_at_ms), (true, Some(0)));
    assert_eq!(r.anomalies, Anomalies::default());
}

/// lost counts (replica, event) pairs over the start line's replicas only; an apply or any
/// skip covers the pair.
#[test]
fn lost_counts_missing_pairs_at_listed_replicas() {
    let mut h = H::default();
    h.start(&[DB1, DB2])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(2_000, 2, D2, Kind::Created, 1)
        .commit(3_000, 3, D1, Kind::Cancelled, 2)
        .apply(4_000, DB1, 1, D1, Kind::Created, 1)
        .apply(4_000, DB1, 2, D2, Kind::Created, 1)
        .skip(4_000, DB1, 3, SkipReason::Stale)
        .apply(5_000, DB2, 1, D1, Kind::Created, 1);
    // db3 is not listed: what it misses is not counted.
    h.apply(5_000, DB3, 1, D1, Kind::Created, 1);
    let r = h.report();
    assert_eq!(r.anomalies, only(|a| a.lost = 2), "db2 misses e2 and e3");
    assert!(!r.converged);
}

/// phantom counts distinct events applied but never committed, wherever the commit line is.
#[test]
fn phantom_counts_distinct_uncommitted_events() {
    let mut h = H::default();
    h.start(&[]).apply(1_000, DB1, 9, D1, Kind::Created, 1).apply(1_000, DB2, 9, D1, Kind::Created, 1).apply(
        2_000,
        DB1,
        4,
        D2,
        Kind::Created,
        1,
    );
    assert_eq!(h.report().anomalies, only(|a| a.phantom = 2));
    // A commit that shows up later (out of order in the file) still makes e4 committed.
    h.commit(3_000, 4, D2, Kind::Created, 1);
    assert_eq!(h.report().anomalies, only(|a| a.phantom = 1));
}

/// A second apply of the same event at the same replica is a duplicate (and not also an
/// invalid transition); the same event at another replica is not.
#[test]
fn duplicate_applied_counts_repeats_per_replica() {
    let mut h = H::default();
    h.start(&[DB1, DB2])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .apply(2_000, DB1, 1, D1, Kind::Created, 1)
        .apply(2_000, DB2, 1, D1, Kind::Created, 1)
        .apply(3_000, DB1, 1, D1, Kind::Created, 1)
        .apply(4_000, DB1, 1, D1, Kind::Created, 1);
    let r = h.report();
    assert_eq!(r.anomalies, only(|a| a.duplicate_applied = 2));
    assert!(r.converged, "a duplicate that rewrites the same row does not diverge");
}

/// duplicate_suppressed counts skips with reason duplicate, at the broker and at replicas;
/// stale skips are not duplicates.
#[test]
fn duplicate_suppressed_counts_duplicate_skips() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .push(2_000, BROKER, Op::Skip { replica: None, partition: Some(0), event: 1, reason: SkipReason::Duplicate })
        .apply(3_000, DB1, 1, D1, Kind::Created, 1)
        .skip(4_000, DB1, 1, SkipReason::Duplicate)
        .skip(5_000, DB1, 1, SkipReason::Stale);
    assert_eq!(h.report().anomalies, only(|a| a.duplicate_suppressed = 2));
}

/// An apply with a lower seq than one already applied is out of order; here it is also an
/// invalid transition both ways, and the replica ends on the older row (last apply wins).
#[test]
fn out_of_order_counts_lower_seq_applies() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
        .apply(2_000, DB1, 2, D1, Kind::RiderAssigned, 2)
        .apply(3_000, DB1, 1, D1, Kind::Created, 1);
    let r = h.report();
    assert_eq!(
        r.anomalies,
        only(|a| {
            a.out_of_order = 1;
            a.invalid_transition = 2; // none → rider_assigned, then rider_assigned → created
        })
    );
    assert_eq!((r.converged, r.divergent_rows), (false, 1));
}

/// An apply that skips a step is an invalid transition without being out of order.
#[test]
fn invalid_transition_counts_forbidden_moves() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
        .commit(1_000, 3, D1, Kind::PickupReadyRequested, 3)
        .apply(2_000, DB1, 1, D1, Kind::Created, 1)
        .apply(3_000, DB1, 3, D1, Kind::PickupReadyRequested, 3)
        .skip(4_000, DB1, 2, SkipReason::Stale);
    let r = h.report();
    assert_eq!(r.anomalies, only(|a| a.invalid_transition = 1));
    assert_eq!(r.converged_at_ms, Some(3), "the row matches app from the seq-3 apply on");
}

/// A read is stale only when it returns less than the version acknowledged before it began:
/// a read racing an unacknowledged write (version == latest) is fresh, and a refused read is
/// unavailable, not stale.
#[test]
fn stale_read_needs_an_acknowledged_newer_version() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .apply(1_500, DB1, 1, D1, Kind::Created, 1)
        .commit(2_000, 2, D1, Kind::RiderAssigned, 2)
        // e2 is committed but not yet acknowledged to the writer: latest is still 1.
        .read(2_100, 1, 1, false)
        .read(3_000, 1, 2, false)
        .read(3_100, 0, 2, true)
        .apply(4_000, DB1, 2, D1, Kind::RiderAssigned, 2)
        .read(4_100, 2, 2, false);
    let r = h.report();
    assert_eq!(r.anomalies, only(|a| a.stale_read = 1));
    assert_eq!((r.reads, r.refused_reads), (4, 1));
}

/// acked_lost counts ack lines whose event is missing from its partition's final log, and
/// stays 0 while the history has no final log.
#[test]
fn acked_lost_compares_acks_with_final_logs() {
    let mut h = H::default();
    h.start(&[]);
    for (event, partition) in [(1, 0), (2, 0), (2, 0), (3, 1), (4, 1)] {
        h.push(1_000, APP, Op::Ack { event, partition, offset: event });
    }
    assert_eq!(h.report().anomalies, Anomalies::default(), "no final_log yet");
    h.push(9_000, BROKER, Op::FinalLog { partition: 0, events: vec![1] })
        // e3 survived, but in another partition than the one that acknowledged it.
        .push(9_000, BROKER, Op::FinalLog { partition: 2, events: vec![3] });
    let r = h.report();
    assert_eq!(r.anomalies, only(|a| a.acked_lost = 4), "both acks of e2, e3 and e4");
    assert_eq!(r.counts.acked, 5);
}

/// A wipe makes the checker forget the replica: applies before it no longer cover events
/// (lost again), and re-applying them is neither a duplicate nor out of order.
#[test]
fn wipe_forgets_the_replica() {
    let mut c = Checker::new();
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
        .commit(1_000, 3, D2, Kind::Created, 1)
        .apply(2_000, DB1, 1, D1, Kind::Created, 1)
        .apply(2_000, DB1, 2, D1, Kind::RiderAssigned, 2)
        .apply(2_000, DB1, 3, D2, Kind::Created, 1);
    for r in &h.0 {
        c.observe(r);
    }
    assert_eq!(c.report().converged_at_ms, Some(2));
    c.observe(&Rec { t_us: 5_000, node: DB1, op: Op::Wipe { replica: DB1 } });
    let wiped = c.report();
    assert_eq!(wiped.anomalies, only(|a| a.lost = 3));
    assert_eq!((wiped.converged, wiped.divergent_rows), (false, 2));
    let mut rebuild = H::default();
    rebuild.apply(6_000, DB1, 1, D1, Kind::Created, 1).apply(6_000, DB1, 2, D1, Kind::RiderAssigned, 2).apply(
        6_500,
        DB1,
        3,
        D2,
        Kind::Created,
        1,
    );
    for r in &rebuild.0 {
        c.observe(r);
    }
    let r = c.report();
    assert_eq!(r.anomalies, Anomalies::default());
    assert_eq!((r.converged, r.converged_at_ms), (true, Some(6)));
    // Checking the same records in one go gives the same answer as observing them live.
    let all: Vec<Rec> =
        h.0.iter()
            .cloned()
            .chain([Rec { t_us: 5_000, node: DB1, op: Op::Wipe { replica: DB1 } }])
            .chain(rebuild.0)
            .collect();
    assert_eq!(Checker::check(&all), r);
}

/// A replica listed by a start line that comes after its first applies is still accounted
/// for correctly (divergence is recomputed from its rows).
#[test]
fn late_start_line_counts_existing_rows() {
    let mut h = H::default();
    h.commit(1_000, 1, D1, Kind::Created, 1).apply(2_000, DB1, 1, D1, Kind::Created, 1).apply(
        2_000,
        DB1,
        7,
        D2,
        Kind::Created,
        1,
    );
    h.push(3_000, APP, Op::Start { replicas: vec![DB1, DB2], seed: 1, scenario: "late".into() });
    let r = h.report();
    assert_eq!(r.divergent_rows, 2, "db1 has a phantom D2 row; db2 has no D1 row");
    assert_eq!(
        r.anomalies,
        only(|a| {
            a.lost = 1;
            a.phantom = 1;
        })
    );
}

/// The report is reproducible from the written history alone: write, parse, check.
#[test]
fn report_survives_jsonl_round_trip() {
    let mut h = H::default();
    h.start(&[DB1, DB2, DB3])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_500, 2, D1, Kind::Cancelled, 2)
        .commit(1_700, 3, D2, Kind::Created, 1)
        .push(1_800, APP, Op::Ack { event: 1, partition: 1, offset: 0 })
        .push(1_800, APP, Op::Ack { event: 2, partition: 1, offset: 1 })
        .apply(2_345, DB1, 1, D1, Kind::Created, 1)
        .apply(2_346, DB1, 1, D1, Kind::Created, 1)
        .apply(2_400, DB2, 2, D1, Kind::Cancelled, 2)
        .apply(2_401, DB2, 1, D1, Kind::Created, 1)
        .skip(2_500, DB3, 1, SkipReason::Duplicate)
        .apply(2_600, DB3, 99, D2, Kind::Created, 1)
        .push(2_700, DB3, Op::Wipe { replica: DB3 })
        .read(3_000, 1, 2, false)
        .read(3_001, 0, 2, true)
        .push(9_000, BROKER, Op::FinalLog { partition: 1, events: vec![1] });
    let direct = h.report();
    let mut text = Vec::new();
    write_jsonl(&h.0, &names(), &mut text).unwrap();
    let (recs, back_names) = parse_jsonl(std::str::from_utf8(&text).unwrap()).unwrap();
    // Ids are renumbered in order of first appearance: compare with names.
    assert_eq!(Checker::check(&recs).to_json(&back_names), direct.to_json(&names()));
    assert!(
        direct.anomalies.duplicate_applied > 0 && direct.anomalies.acked_lost == 1 && direct.anomalies.phantom == 1
    );
    let witnessed = Anomalies::NAMES.iter().filter(|n| direct.witnesses.get(n).is_some()).count();
    let occurred = Anomalies::NAMES.iter().filter(|n| direct.anomalies.get(n) > Some(0)).count();
    assert_eq!(witnessed, occurred, "one witness per anomaly that occurred: {:?}", direct.witnesses);
}

/// EventSet counts and set differences agree with a plain set, across word boundaries.
#[test]
fn event_set_matches_btreeset() {
    use std::collections::BTreeSet;
    let (mut a, mut b) = (EventSet::default(), EventSet::default());
    let (mut ra, mut rb) = (BTreeSet::new(), BTreeSet::new());
    for i in 0..500u64 {
        let e = (i * 37) % 311 + if i % 7 == 0 { 1 << 40 } else { 0 };
        assert_eq!(a.insert(e), ra.insert(e));
        if i % 3 == 0 {
            assert_eq!(b.insert(e), rb.insert(e));
        }
        if i % 5 == 0 {
            assert_eq!(a.remove(e / 2), ra.remove(&(e / 2)));
        }
    }
    assert_eq!(a.len(), ra.len() as u64);
    assert_eq!(a.count_missing_from(&[&b]), ra.difference(&rb).count() as u64);
    assert_eq!(a.first_missing_from(&[&b]), ra.difference(&rb).next().copied());
    assert!(ra.iter().all(|&e| a.contains(e)));
    a.clear();
    assert!(a.is_empty() && !a.contains(1));
}

// ---------------------------------------------------------------------------------------------
// Witnesses: each anomaly's first instance, as copies of the lines that prove it.

/// The report's witness of `name`, which must exist.
fn witness(h: &H, name: &str) -> Witness {
    h.report().witnesses.get(name).cloned().unwrap_or_else(|| panic!("no witness of {name}"))
}

/// Copies of the hand-built history's lines at these indices.
fn lines(h: &H, at: &[usize]) -> Vec<Rec> {
    at.iter().map(|&i| h.0[i].clone()).collect()
}

/// No anomaly, no witness.
#[test]
fn clean_history_has_no_witness() {
    let mut h = H::default();
    h.start(&[DB1]).commit(1_000, 1, D1, Kind::Created, 1).apply(2_000, DB1, 1, D1, Kind::Created, 1);
    assert_eq!(h.report().witnesses, Witnesses::default());
}

/// out_of_order: both commits, then the two applies at the replica in the order applied; the
/// first instance stays when more come.
#[test]
fn out_of_order_witness_holds_both_commits_and_both_applies() {
    let mut h = H::default();
    h.start(&[DB1, DB2])
        .commit(1_000, 1, D1, Kind::Created, 1) // 1
        .commit(1_100, 2, D1, Kind::RiderAssigned, 2) // 2
        .apply(2_000, DB1, 1, D1, Kind::Created, 1)
        .apply(2_000, DB2, 2, D1, Kind::RiderAssigned, 2) // 4
        .apply(2_500, DB2, 1, D1, Kind::Created, 1) // 5: the first instance
        .apply(3_000, DB1, 2, D1, Kind::RiderAssigned, 2)
        .commit(3_100, 3, D1, Kind::PickupReadyRequested, 3)
        .apply(3_200, DB1, 3, D1, Kind::PickupReadyRequested, 3)
        .apply(3_300, DB1, 2, D1, Kind::RiderAssigned, 2); // a second instance, at db1
    let w = witness(&h, "out_of_order");
    assert_eq!(h.report().anomalies.out_of_order, 2);
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D1), Some(DB2), vec![2, 1]));
    assert_eq!(w.lines, lines(&h, &[1, 2, 4, 5]));
}

/// lost: the oldest missing (replica, event) pair's commit line, and the replica; after a wipe,
/// the wipe line too (it is why earlier applies no longer count).
#[test]
fn lost_witness_is_the_oldest_missing_pair() {
    let mut h = H::default();
    h.start(&[DB1, DB2])
        .commit(1_000, 1, D1, Kind::Created, 1) // 1
        .commit(1_100, 2, D2, Kind::Created, 1) // 2
        .apply(2_000, DB1, 1, D1, Kind::Created, 1)
        .apply(2_000, DB2, 1, D1, Kind::Created, 1)
        .apply(2_000, DB1, 2, D2, Kind::Created, 1);
    let w = witness(&h, "lost");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D2), Some(DB2), vec![2]));
    assert_eq!(w.lines, lines(&h, &[2]));
    h.apply(2_500, DB2, 2, D2, Kind::Created, 1);
    assert_eq!(h.report().witnesses.lost, None, "nothing missing, nothing to show");
    h.push(3_000, DB1, Op::Wipe { replica: DB1 }); // 7
    let w = witness(&h, "lost");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D1), Some(DB1), vec![1]));
    assert_eq!(w.lines, lines(&h, &[1, 7]));
}

/// duplicate_applied: the first apply of the event at that replica, then the repeat — even when
/// a later event of the delivery came between them.
#[test]
fn duplicate_applied_witness_holds_both_applies() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
        .apply(2_000, DB1, 1, D1, Kind::Created, 1) // 3
        .apply(2_100, DB1, 2, D1, Kind::RiderAssigned, 2)
        .apply(2_200, DB1, 1, D1, Kind::Created, 1); // 5
    let w = witness(&h, "duplicate_applied");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D1), Some(DB1), vec![1]));
    assert_eq!(w.lines, lines(&h, &[3, 5]));
    assert!(h.report().witnesses.invalid_transition.is_none(), "a duplicate is not an invalid transition");
}

/// invalid_transition: the apply that set the row, then the forbidden apply; with no row before,
/// the forbidden apply alone.
#[test]
fn invalid_transition_witness_holds_the_row_before() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
        .commit(1_000, 3, D1, Kind::PickupReadyRequested, 3)
        .apply(2_000, DB1, 1, D1, Kind::Created, 1) // 4
        .apply(3_000, DB1, 3, D1, Kind::PickupReadyRequested, 3); // 5
    let w = witness(&h, "invalid_transition");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D1), Some(DB1), vec![1, 3]));
    assert_eq!(w.lines, lines(&h, &[4, 5]));
    let mut h = H::default();
    h.start(&[DB2]).commit(1_000, 2, D2, Kind::RiderAssigned, 2).apply(2_000, DB2, 2, D2, Kind::RiderAssigned, 2);
    let w = witness(&h, "invalid_transition");
    assert_eq!((w.replica, w.events.clone(), w.lines.clone()), (Some(DB2), vec![2], lines(&h, &[2])));
}

/// stale_read: the commit of the acknowledged version the read missed, then the read line.
#[test]
fn stale_read_witness_holds_the_missed_write() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D2, Kind::Created, 1)
        .commit(2_000, 3, D1, Kind::RiderAssigned, 2) // 3
        .commit(2_500, 4, D1, Kind::PickupReadyRequested, 3)
        .read(3_000, 1, 2, false) // 5: latest acknowledged is 2, not 3
        .read(3_100, 1, 3, false);
    let w = witness(&h, "stale_read");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D1), None, vec![3]));
    assert_eq!(w.lines, lines(&h, &[3, 5]));
}

/// phantom: the first apply of an event never committed; it goes when the commit shows up.
#[test]
fn phantom_witness_is_an_uncommitted_apply() {
    let mut h = H::default();
    h.start(&[DB1]).apply(1_000, DB1, 9, D1, Kind::Created, 1).apply(1_500, DB1, 8, D2, Kind::Created, 1);
    let w = witness(&h, "phantom");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D2), Some(DB1), vec![8]));
    assert_eq!(w.lines, lines(&h, &[2]));
    h.commit(2_000, 8, D2, Kind::Created, 1);
    assert_eq!(witness(&h, "phantom").events, vec![9]);
}

/// acked_lost: the ack line, then the partition's final log lines that lack the event.
#[test]
fn acked_lost_witness_holds_the_ack_and_the_final_log() {
    let mut h = H::default();
    h.start(&[])
        .commit(1_000, 1, D1, Kind::Created, 1)
        .commit(1_000, 2, D2, Kind::Created, 1)
        .push(1_500, APP, Op::Ack { event: 1, partition: 0, offset: 0 })
        .push(1_600, APP, Op::Ack { event: 2, partition: 0, offset: 1 }) // 4
        .push(9_000, BROKER, Op::FinalLog { partition: 1, events: vec![2] })
        .push(9_000, BROKER, Op::FinalLog { partition: 0, events: vec![1] }); // 6
    let w = witness(&h, "acked_lost");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D2), None, vec![2]));
    assert_eq!(w.lines, lines(&h, &[4, 6]));
}

/// duplicate_suppressed: the skip line, at the broker (delivery from the commit) or a replica.
#[test]
fn duplicate_suppressed_witness_is_the_skip_line() {
    let mut h = H::default();
    h.start(&[DB1])
        .commit(1_000, 1, D2, Kind::Created, 1)
        .push(2_000, BROKER, Op::Skip { replica: None, partition: Some(0), event: 1, reason: SkipReason::Duplicate })
        .skip(3_000, DB1, 1, SkipReason::Duplicate);
    let w = witness(&h, "duplicate_suppressed");
    assert_eq!((w.delivery, w.replica, w.events.clone()), (Some(D2), None, vec![1]));
    assert_eq!(w.lines, lines(&h, &[2]));
}

/// Observing live and checking the finished history give the same witnesses, and the JSON of a
/// witness names nodes and deliveries.
#[test]
fn witnesses_as_json_use_names() {
    let mut h = H::default();
    h.start(&[DB1]).commit(1_000, 1, D1, Kind::Created, 1).apply(2_000, DB1, 1, D1, Kind::Created, 1).apply(
        3_000,
        DB1,
        1,
        D1,
        Kind::Created,
        1,
    );
    let mut live = Checker::new();
    h.0.iter().for_each(|r| live.observe(r));
    assert_eq!(live.report(), h.report());
    let json = h.report().to_json(&names());
    let w = &json["witnesses"]["duplicate_applied"];
    assert_eq!((w["delivery"].as_str(), w["replica"].as_str()), (Some("D1"), Some("db1")));
    assert_eq!(w["lines"][1]["t_ms"], 3);
    assert_eq!(json["anomalies"]["duplicate_applied"], 1);
}

/// EventTable keeps the first value per id, densely in order and sparsely otherwise, and
/// finds the highest id matching a predicate across both.
#[test]
fn event_table_keeps_first_values() {
    let mut t = witness::EventTable::default();
    for e in [5u64, 6, 7, 1 << 40, 3, 6] {
        t.insert_first(e, e * 10);
    }
    t.insert_first(6, 0);
    assert_eq!(
        [t.get(5), t.get(6), t.get(3), t.get(1 << 40), t.get(4)],
        [Some(50), Some(60), Some(30), Some(10 << 40), None]
    );
    assert_eq!(t.find_last(|v| *v < 100), Some((7, 70)));
    assert_eq!(t.find_last(|v| *v > 100), Some((1 << 40, 10 << 40)));
    assert_eq!(t.find_last(|v| *v == 30), Some((3, 30)));
}
