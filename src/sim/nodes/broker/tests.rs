//! The broker's own rules, each on a broker driven by hand (`testing::Harness`).

use super::*;
use crate::sim::config::{Acks, Config};
use crate::sim::domain::Kind;
use crate::sim::msg::{ProduceBatch, ProduceError};
use crate::sim::nodes::controller::initial_metadata;
use crate::sim::nodes::testing::Harness;

/// Broker 1 (index 0), leader of partition 0 with ISR {0, 1, 2}, over `cfg`.
fn leader(cfg: Config) -> (Harness, Broker) {
    let mut h = Harness::with(cfg);
    h.node = h.topo.brokers[0];
    let b = Broker::new(0, &initial_metadata(&h.topo), h.cfg.brokers);
    assert_eq!(b.role(0), PartRole::Leader);
    (h, b)
}

fn record(event: u64, producer_id: u64, producer_seq: i64) -> Record {
    let payload = Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 };
    Record { payload, producer_id, producer_seq, base_seq: producer_seq, epoch: 0 }
}

/// A batch of partition 0 of producer `producer_id`, events `events` from sequence `base`.
fn batch(producer_id: u64, base: i64, events: std::ops::Range<u64>) -> ProduceBatch {
    let records = events
        .enumerate()
        .map(|(i, e)| {
            let seq = if producer_id == 0 { -1 } else { base + i as i64 };
            Record { base_seq: if producer_id == 0 { -1 } else { base }, ..record(e, producer_id, seq) }
        })
        .collect();
    ProduceBatch { part: 0, records }
}

fn produce_batches(h: &mut Harness, b: &mut Broker, req: u64, batches: Vec<ProduceBatch>, acks: Acks) {
    h.run(|ctx| b.on_message(99, Msg::Produce { req, acks, batches }, ctx));
}

fn produce(h: &mut Harness, b: &mut Broker, req: u64, r: Record, acks: Acks) {
    produce_batches(h, b, req, vec![ProduceBatch { part: 0, records: vec![r] }], acks);
}

fn follower_fetch(h: &mut Harness, b: &mut Broker, follower: u32, offset: u64) {
    let from = h.topo.brokers[follower as usize];
    let last_epoch = b.log(0).epoch_before(offset);
    let fetch = Msg::Fetch { id: 1, part: 0, offset, last_epoch, replica: Some(follower), max: FETCH_MAX };
    h.run(|ctx| b.on_message(from, fetch, ctx));
}

/// Produce answers sent so far: (request, first partition's result).
fn answers(h: &Harness) -> Vec<(u64, Result<u64, ProduceError>)> {
    let answer = |m: &Msg| if let Msg::ProduceResp { req, parts } = m { Some((*req, parts[0].result)) } else { None };
    h.sent().iter().filter_map(|(_, m)| answer(m)).collect()
}

// The high watermark is the smallest log end among the ISR: it moves only when the slowest
// in-sync follower has fetched past the records, and then acks=all is answered.
#[test]
fn hw_is_min_leo_over_isr_and_releases_acks_all() {
    let (mut h, mut b) = leader(Config::default());
    produce(&mut h, &mut b, 1, record(1, 0, -1), Acks::All);
    produce(&mut h, &mut b, 2, record(2, 0, -1), Acks::All);
    follower_fetch(&mut h, &mut b, 1, 2);
    assert_eq!(b.log(0).hw, 0, "broker 3 has not fetched yet");
    assert!(answers(&h).is_empty());
    follower_fetch(&mut h, &mut b, 2, 1);
    assert_eq!(b.log(0).hw, 1);
    assert_eq!(answers(&h), vec![(1, Ok(0))]);
    follower_fetch(&mut h, &mut b, 2, 2);
    assert_eq!(b.log(0).hw, 2);
    assert_eq!(answers(&h).len(), 2);
}

// acks=all is refused up front when the ISR is smaller than min.insync.replicas.
#[test]
fn acks_all_refused_below_min_isr() {
    let (mut h, mut b) = leader(Config { min_insync_replicas: 2, ..Default::default() });
    b.vol.parts[0].isr = vec![0];
    produce(&mut h, &mut b, 1, record(1, 0, -1), Acks::All);
    assert_eq!(answers(&h), vec![(1, Err(ProduceError::NotEnoughReplicas))]);
    assert_eq!(b.log(0).leo(), 0, "nothing appended");
    produce(&mut h, &mut b, 2, record(2, 0, -1), Acks::One);
    assert_eq!(answers(&h)[1], (2, Ok(0)), "acks=1 does not look at the ISR");
}

// A follower that has not caught up for replica.lag.time.max.ms is proposed out of the ISR
// (AlterPartition to the controller); one that keeps up stays.
#[test]
fn lagging_follower_leaves_isr() {
    let (mut h, mut b) = leader(Config::default());
    produce(&mut h, &mut b, 1, record(1, 0, -1), Acks::One);
    h.now = timing::REPLICA_LAG_MAX / 2;
    follower_fetch(&mut h, &mut b, 1, 1);
    h.now = timing::REPLICA_LAG_MAX + 1;
    h.clear();
    h.run(|ctx| b.on_timer(BrokerTimer::IsrCheck, ctx));
    let proposals: Vec<Vec<u32>> = h
        .sent()
        .into_iter()
        .filter_map(|(_, m)| if let Msg::AlterIsr { isr, .. } = m { Some(isr) } else { None })
        .collect();
    assert_eq!(proposals, vec![vec![0, 1]], "broker 3 never fetched: out; broker 2 caught up: in");
}

// KIP-497's maximal ISR: while the leader's proposal to add a follower back to the ISR is
// undecided, the high watermark waits for that follower too, so nothing is acknowledged
// that the controller's next ISR (with it) might lack; the decision ends the wait.
#[test]
fn hw_waits_for_a_follower_whose_isr_entry_is_pending() {
    let (mut h, mut b) = leader(Config { min_insync_replicas: 2, ..Default::default() });
    b.vol.parts[0].isr = vec![0, 1];
    produce(&mut h, &mut b, 1, record(1, 0, -1), Acks::All);
    follower_fetch(&mut h, &mut b, 1, 1);
    assert_eq!(b.log(0).hw, 1, "the ISR {{0, 1}} has record 0");
    follower_fetch(&mut h, &mut b, 2, 1); // broker 3 caught up: the leader proposes it
    assert_eq!(b.vol.parts[0].isr_joining, vec![2]);
    produce(&mut h, &mut b, 2, record(2, 0, -1), Acks::All);
    follower_fetch(&mut h, &mut b, 1, 2);
    assert_eq!(b.log(0).hw, 1, "broker 3's entry is pending: the HW waits for it");
    assert_eq!(answers(&h), vec![(1, Ok(0))]);
    follower_fetch(&mut h, &mut b, 2, 2);
    assert_eq!(b.log(0).hw, 2);
    let decided = Msg::AlterIsrResp { part: 0, epoch: b.vol.parts[0].epoch, isr: vec![0, 1, 2], version: 2, ok: true };
    let controller = h.topo.controller;
    h.run(|ctx| b.on_message(controller, decided, ctx));
    assert!(b.vol.parts[0].isr_joining.is_empty(), "the decision ends the pending entry");
}

// KIP-320 for consumers: a consumer whose last fetched epoch ends earlier in this log than
// its position (an unclean election cut the log short) is told where the logs diverge, not
// sent to the high watermark; a position beyond the log with no epoch is out of range and
// resets to the log's start (`auto.offset.reset=earliest`).
#[test]
fn consumer_fetch_past_a_truncated_epoch_resumes_at_the_divergence() {
    let (mut h, mut b) = leader(Config::default());
    for (event, epoch) in [(1, 1), (2, 1), (3, 3), (4, 3), (5, 3)] {
        b.durable.logs[0].append(Record { epoch, ..record(event, 0, -1) });
    }
    b.durable.logs[0].hw = 5;
    let fetch = |offset, last_epoch| Msg::Fetch { id: 7, part: 0, offset, last_epoch, replica: None, max: 64 };
    let diverging =
        |h: &Harness| {
            h.sent().iter().rev().find_map(|(_, m)| {
                if let Msg::FetchResp { diverging, .. } = m {
                    Some(*diverging)
                } else {
                    None
                }
            })
        };
    h.run(|ctx| b.on_message(99, fetch(4, 2), ctx));
    assert_eq!(diverging(&h), Some(Some(2)), "epoch 2 ends at offset 2 here: resume there");
    h.run(|ctx| b.on_message(99, fetch(4, 3), ctx));
    assert_eq!(diverging(&h), Some(None), "same epoch, position inside the log: a normal fetch");
    h.run(|ctx| b.on_message(99, fetch(9, 0), ctx));
    assert_eq!(diverging(&h), Some(Some(0)), "out of range with no epoch: earliest");
}

// Dedup is by batch, as Kafka's ProducerStateEntry keeps it: a retry of any of the producer's
// last five batches (same first and last sequence) is answered with that batch's base offset
// and appends nothing; a retry of a batch older than the five is out of order.
#[test]
fn retried_batch_is_deduplicated_within_the_last_five() {
    let (mut h, mut b) = leader(Config::default());
    for k in 0..6u64 {
        produce_batches(&mut h, &mut b, k + 1, vec![batch(7, 3 * k as i64, 10 * k..10 * k + 3)], Acks::One);
    }
    assert_eq!(b.log(0).leo(), 18);
    produce_batches(&mut h, &mut b, 7, vec![batch(7, 6, 20..23)], Acks::One);
    assert_eq!(answers(&h)[6], (7, Ok(6)), "the third batch again: its base offset, nothing appended");
    assert_eq!(b.log(0).leo(), 18);
    produce_batches(&mut h, &mut b, 8, vec![batch(7, 0, 0..3)], Acks::One);
    assert_eq!(answers(&h)[7], (8, Err(ProduceError::OutOfOrderSequence)), "the first batch left the five");
    let follower = {
        let mut log = PartLog::default();
        b.log(0).records.iter().for_each(|r| {
            log.append(*r);
        });
        log
    };
    assert_eq!(follower.producers, b.log(0).producers, "a replica rebuilds the same batches from the records");
}

// The idempotent producer's retry of a batch the log has is not appended again: it is
// answered with the original offset; a sequence gap is refused.
#[test]
fn idempotent_retry_is_deduplicated() {
    let (mut h, mut b) = leader(Config::default());
    produce(&mut h, &mut b, 1, record(1, 7, 0), Acks::One);
    produce(&mut h, &mut b, 2, record(1, 7, 0), Acks::One);
    assert_eq!(b.log(0).leo(), 1);
    assert_eq!(answers(&h), vec![(1, Ok(0)), (2, Ok(0))]);
    produce(&mut h, &mut b, 3, record(2, 7, 5), Acks::One);
    assert_eq!(answers(&h)[2], (3, Err(ProduceError::OutOfOrderSequence)));
}

// A crash keeps the log and forgets the roles: the broker must be told again.
#[test]
fn crash_keeps_the_log() {
    let (mut h, mut b) = leader(Config::default());
    produce(&mut h, &mut b, 1, record(1, 0, -1), Acks::One);
    b.crash();
    assert_eq!(b.log(0).leo(), 1);
    assert_eq!(b.role(0), PartRole::None);
}
