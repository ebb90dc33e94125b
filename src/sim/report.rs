//! The report of a run: the `lab run --json` contract (DESIGN.md "Headless CLI"), plus a few
//! measured extras after the contract's fields.

use std::collections::BTreeMap;

use serde::Serialize;

use super::checker::{Anomalies, Counts};
use super::history::NodeId;
use super::world::Sim;

/// A replica's fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaReport {
    /// Hex digest of the replica's rows (delivery, status, version).
    pub hash: String,
    /// Number of rows.
    pub rows: usize,
}

/// Latency summary, ms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Latency {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Summarises samples in µs (nearest-rank percentiles).
    pub fn of(samples: &[u64]) -> Latency {
        if samples.is_empty() {
            return Latency { count: 0, mean_ms: 0.0, p50_ms: 0.0, p99_ms: 0.0, max_ms: 0.0 };
        }
        let mut v = samples.to_vec();
        v.sort_unstable();
        let pick = |q: f64| {
            let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            v[i] as f64 / 1000.0
        };
        Latency {
            count: v.len(),
            mean_ms: v.iter().sum::<u64>() as f64 / v.len() as f64 / 1000.0,
            p50_ms: pick(0.50),
            p99_ms: pick(0.99),
            max_ms: *v.last().expect("non-empty") as f64 / 1000.0,
        }
    }
}

/// Extras beyond the contract: measurements the lessons talk about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Extras {
    /// Queue entries processed.
    pub events: u64,
    /// Writer-visible write latency (commit → acknowledgement to the writer).
    pub write_latency: Latency,
    /// Relay delay per published record (commit → broker acknowledgement), all shards.
    pub relay_lag: Latency,
    /// Client reads completed and refused.
    pub reads: u64,
    pub reads_refused: u64,
    pub read_latency: Latency,
    /// acks=all writes refused with NotEnoughReplicas (all brokers).
    pub not_enough_replicas: u64,
    /// Event-bus servers' config values (None: never received).
    pub server_values: BTreeMap<String, Option<u32>>,
    /// Event-bus servers' config value as published (`broadcast` value).
    pub server_config: BTreeMap<String, Option<String>>,
}

/// The `lab run --json` report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub until_ms: u64,
    pub trace_hash: String,
    pub counts: Counts,
    pub anomalies: Anomalies,
    pub converged: bool,
    pub converged_at_ms: Option<u64>,
    pub replicas: BTreeMap<String, ReplicaReport>,
    pub extras: Extras,
}

impl Report {
    /// The report of a run (complete once the run has finished).
    pub fn of(sim: &Sim) -> Report {
        let check = sim.check();
        let replicas =
            sim.replica_hashes().into_iter().map(|(name, hash, rows)| (name, ReplicaReport { hash, rows })).collect();
        let relay: Vec<u64> = sim.relay_lags.iter().flatten().copied().collect();
        let servers = sim.server_views();
        let name = |n: NodeId| sim.topo.names[n as usize].clone();
        let extras = Extras {
            events: sim.events(),
            write_latency: Latency::of(&sim.write_latencies),
            relay_lag: Latency::of(&relay),
            reads: check.reads - check.refused_reads,
            reads_refused: check.refused_reads,
            read_latency: Latency::of(&sim.client().latencies),
            not_enough_replicas: (0..sim.topo.brokers.len() as u32).map(|b| sim.broker(b).refused_not_enough).sum(),
            server_values: servers.iter().map(|&(n, v)| (name(n), v)).collect(),
            server_config: servers
                .iter()
                .map(|&(n, v)| (name(n), v.and_then(|v| sim.bus_values.get(v as usize - 1).cloned())))
                .collect(),
        };
        Report {
            scenario: sim.scenario.id.clone(),
            seed: sim.scenario.seed,
            until_ms: sim.scenario.until_ms,
            trace_hash: sim.trace_hash(),
            counts: check.counts,
            anomalies: check.anomalies,
            converged: check.converged,
            converged_at_ms: check.converged_at_ms,
            replicas,
            extras,
        }
    }

    /// A short human summary (the CLI without `--json`).
    pub fn text(&self) -> String {
        let a = &self.anomalies;
        let c = &self.counts;
        let mut s = String::new();
        s += &format!(
            "scenario {}  seed {}  until {} ms  trace {}\n",
            self.scenario, self.seed, self.until_ms, self.trace_hash
        );
        s += &format!(
            "counts     committed {}  published {}  appended {}  acked {}  delivered {}  applied {}\n",
            c.committed, c.published, c.appended, c.acked, c.delivered, c.applied
        );
        s += &format!(
            "anomalies  lost {}  phantom {}  duplicate_applied {}  duplicate_suppressed {}  out_of_order {}  invalid_transition {}  stale_read {}  acked_lost {}\n",
            a.lost, a.phantom, a.duplicate_applied, a.duplicate_suppressed, a.out_of_order, a.invalid_transition, a.stale_read, a.acked_lost
        );
        s += &format!(
            "converged  {}{}\n",
            self.converged,
            self.converged_at_ms.map(|t| format!(" (since {t} ms)")).unwrap_or_default()
        );
        for (name, r) in &self.replicas {
            s += &format!("{name:<10} rows {:<6} hash {}\n", r.rows, r.hash);
        }
        let e = &self.extras;
        s += &format!(
            "write latency mean {:.2} ms p50 {:.1} ms p99 {:.1} ms   relay lag p99 {:.1} ms   reads {} (refused {})   events {}\n",
            e.write_latency.mean_ms, e.write_latency.p50_ms, e.write_latency.p99_ms, e.relay_lag.p99_ms, e.reads, e.reads_refused, e.events
        );
        s
    }
}
