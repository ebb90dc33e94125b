//! The run's settings: every config key of the scenario contract, with its default.
//!
//! Keys are validated by [`crate::sim::scenario`], whose table of config keys
//! ([`crate::sim::scenario::CONFIG_KEYS`]) gives each key's range, doc and topology flag; this
//! module only holds the values and their defaults.

use serde::{Deserialize, Serialize};

/// `acks`: how many replicas must have a record before the leader answers the producer
/// (Kafka producer config `acks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=0`: the producer does not wait for any acknowledgement and never retries.
    #[serde(rename = "0")]
    Zero,
    /// `acks=1`: the leader answers after writing its own log.
    #[serde(rename = "1")]
    One,
    /// `acks=all` (= -1): the leader answers when every in-sync replica has the record.
    #[serde(rename = "all")]
    All,
}

/// `partitioner`: how a record's partition is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Partitioner {
    /// murmur2(delivery id) mod partitions: one delivery, one partition, one order.
    Key,
    /// Each record to the next partition in turn: load spreads, per-key order is gone.
    RoundRobin,
}

/// `publish`: how the service gets a committed event to the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publish {
    /// One local transaction writes the row and an outbox row; CDC relays publish it.
    Outbox,
    /// Commit, then send from the service itself; nothing retries after a crash.
    DualWrite,
}

/// `consumer_commit`: when a consumer commits its offset relative to applying a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Apply, then commit: at-least-once (a crash in between re-delivers).
    AfterProcess,
    /// Commit, then apply: at-most-once (a crash in between skips).
    BeforeProcess,
}

/// `write_mode`: how the replica databases get a write and when the writer is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// The service writes db1, db2, db3 in turn and acknowledges after all of them.
    SerialSync,
    /// The service writes all replicas in parallel and acknowledges after a majority.
    Quorum,
    /// The service writes db1 and acknowledges; db1 copies to the others asynchronously.
    SerialAsync,
    /// Acknowledged at the local commit; consumer groups bring the event to the replicas.
    ViaBroker,
}

/// `read_mode`: how the `client` reads a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// One replica (chosen by the PRNG, or named by the read command).
    One,
    /// A majority of replicas; the newest version wins.
    Quorum,
    /// Every replica; the newest version wins.
    All,
}

/// `bus_groups`: how the event-bus servers subscribe to the config topic (an addition to the
/// contract, documented in the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusGroups {
    /// Each server has its own consumer group: every server gets every config change.
    PerServer,
    /// All servers share one group: the one partition goes to one server only.
    Shared,
}

/// `network`: the default link behaviour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// One-way latency of every link, ms.
    pub latency_ms: u64,
    /// Uniform extra delay in `0..=jitter_ms`, ms.
    pub jitter_ms: u64,
    /// Probability that a message is lost, in [0, 1].
    pub drop: f64,
    /// Probability that a message is delivered twice, in [0, 1].
    pub duplicate: f64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { latency_ms: 5, jitter_ms: 2, drop: 0.0, duplicate: 0.0 }
    }
}

/// Every setting of a run. Field names are the contract's config keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
    pub acks: Acks,
    pub unclean_leader_election: bool,
    pub idempotent_producer: bool,
    pub max_in_flight: u32,
    pub partitioner: Partitioner,
    pub publish: Publish,
    pub outbox_shards: u32,
    pub consumer_commit: CommitMode,
    pub idempotent_consumer: bool,
    pub replicas: u32,
    pub consumers_per_group: u32,
    pub write_mode: WriteMode,
    pub read_mode: ReadMode,
    pub network: NetworkConfig,
    /// Event-bus servers `server-1` … (0: no event bus). Addition to the contract.
    pub servers: u32,
    /// How the event-bus servers form consumer groups. Addition to the contract.
    pub bus_groups: BusGroups,
    /// Whether the streams dashboard runs. Addition to the contract.
    pub dashboard: bool,
    /// CPU time a relay spends per outbox record, ms (Debezium's per-record work). Addition.
    pub relay_ms_per_record: f64,
    /// CPU time a consumer spends applying one record, ms. Addition.
    pub consumer_ms_per_record: f64,
    /// Replica `dbI` is `(I-1) × replica_spread_ms` farther away than the other nodes (replicas
    /// in other zones): extra one-way latency on every link that touches it, ms. Addition.
    pub replica_spread_ms: u64,
}

impl Config {
    /// The slowest round trip this network allows, µs: there and back at the highest latency
    /// and jitter, to the farthest replica (`replica_spread_ms`).
    pub fn round_trip_max_us(&self) -> u64 {
        let farthest_ms = u64::from(self.replicas.saturating_sub(1)) * self.replica_spread_ms;
        2 * (self.network.latency_ms + self.network.jitter_ms + farthest_ms) * 1_000
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            brokers: 3,
            partitions: 3,
            replication_factor: 3,
            min_insync_replicas: 2,
            acks: Acks::All,
            unclean_leader_election: false,
            idempotent_producer: true,
            max_in_flight: 5,
            partitioner: Partitioner::Key,
            publish: Publish::Outbox,
            outbox_shards: 1,
            consumer_commit: CommitMode::AfterProcess,
            idempotent_consumer: true,
            replicas: 3,
            consumers_per_group: 1,
            write_mode: WriteMode::ViaBroker,
            read_mode: ReadMode::One,
            network: NetworkConfig::default(),
            servers: 0,
            bus_groups: BusGroups::PerServer,
            dashboard: true,
            relay_ms_per_record: 2.0,
            consumer_ms_per_record: 1.0,
            replica_spread_ms: 3,
        }
    }
}
