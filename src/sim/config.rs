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

impl Acks {
    /// The value as Kafka writes it: `0`, `1`, `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }
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

/// `relay_producer`: the producer settings of the relays, the Debezium connectors' Kafka Connect
/// source tasks. A connector overrides them with `producer.override.*` (KIP-458); left alone
/// they are what the Connect worker gives every source task (`Worker.baseProducerConfigs`,
/// Kafka 3.x and 4.x): `acks=all`, `enable.idempotence=false` ("Connect disables idempotent
/// behavior for all producers, even though idempotence became default for Kafka producers"),
/// `max.in.flight.requests.per.connection=1`, `delivery.timeout.ms=Integer.MAX_VALUE` and
/// `max.block.ms=Long.MAX_VALUE` (a relay never gives a record up). Addition to the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayProducer {
    /// `producer.override.acks`.
    pub acks: Acks,
    /// `producer.override.enable.idempotence`.
    pub idempotent: bool,
    /// `producer.override.max.in.flight.requests.per.connection`.
    pub max_in_flight: u32,
}

impl Default for RelayProducer {
    /// The Connect worker's settings for source tasks (see the type's doc).
    fn default() -> Self {
        RelayProducer { acks: Acks::All, idempotent: false, max_in_flight: 1 }
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
    /// The relays' producer settings (a connector's `producer.override.*`). Addition.
    pub relay_producer: RelayProducer,
}

impl Config {
    /// Whether the service's own producer is idempotent. Kafka's
    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs` (since 3.0, KIP-679) turns a
    /// *defaulted* `enable.idempotence` off when `acks` is not `all` ("Idempotence will be disabled
    /// because acks is set to …"); an explicit one is refused before a run starts
    /// ([`Config::settle_producer`]). A config built in code without being settled is read the
    /// same way: `idempotent_producer` with `acks` other than `all` is off.
    pub fn service_idempotence(&self) -> bool {
        self.idempotent_producer && self.acks == Acks::All
    }

    /// This config as a relay's producer reads it: the producer keys (`acks`,
    /// `idempotent_producer`, `max_in_flight`) replaced by [`Config::relay_producer`], the
    /// settings the Kafka Connect worker gives a source task (or the connector's overrides).
    pub fn for_relay_producer(&self) -> Config {
        let r = self.relay_producer;
        Config { acks: r.acks, idempotent_producer: r.idempotent, max_in_flight: r.max_in_flight, ..self.clone() }
    }

    /// Settles the producer settings as Kafka does when a producer is built, or refuses them as
    /// (the key to change, why). `named(key)` says whether the change being settled names `key`
    /// itself (a scenario's `config`, one `set`, the `--set`s of one command line): only a named
    /// `idempotent_producer` is explicit.
    ///
    /// Kafka's `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: an explicit
    /// `enable.idempotence=true` with `acks` other than `all` throws `ConfigException("Must set
    /// acks to all in order to use the idempotent producer. Otherwise we cannot guarantee
    /// idempotence.")`; a defaulted one is turned off, and the settled config says so
    /// (`enable.idempotence=false`, as Kafka writes it back), so a config written out and read
    /// again stays valid. The Connect worker always sets `enable.idempotence` itself (`Worker.baseProducerConfigs`), so
    /// for a relay it is always explicit: `producer.override.enable.idempotence=true` with
    /// `producer.override.acks=1` fails the connector's task, and more than 5 requests in flight
    /// with idempotence is refused the same way ("Must set max.in.flight.requests.per.connection
    /// to at most 5 to use the idempotent producer").
    pub fn settle_producer(&mut self, named: &dyn Fn(&str) -> bool) -> Result<(), (&'static str, String)> {
        if self.idempotent_producer && self.acks != Acks::All {
            if named("idempotent_producer") {
                return Err((
                    "idempotent_producer",
                    format!(
                        "true needs acks=all, but acks is {} (Kafka refuses enable.idempotence=true with acks other \
                         than all: ConfigException); set acks=all, or leave idempotent_producer out and Kafka turns \
                         it off",
                        self.acks.as_str()
                    ),
                ));
            }
            self.idempotent_producer = false;
        }
        self.check_relay_producer()
    }

    /// The relays' settings Kafka refuses (see [`Config::settle_producer`]).
    fn check_relay_producer(&self) -> Result<(), (&'static str, String)> {
        let r = self.relay_producer;
        if r.idempotent && r.acks != Acks::All {
            return Err((
                "relay_producer.idempotent",
                format!(
                    "true needs relay_producer.acks=all, but it is {} (a connector with \
                     producer.override.enable.idempotence=true and acks other than all fails to start: ConfigException)",
                    r.acks.as_str()
                ),
            ));
        }
        if r.idempotent && r.max_in_flight > 5 {
            return Err((
                "relay_producer.max_in_flight",
                format!(
                    "must be at most 5 when relay_producer.idempotent is true (Kafka: enable.idempotence requires \
                     max.in.flight.requests.per.connection ≤ 5), got {}",
                    r.max_in_flight
                ),
            ));
        }
        Ok(())
    }

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
            relay_producer: RelayProducer::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::{apply_cli_sets, parse_scenario};

    /// explicit_idempotence_with_acks_not_all_is_refused: like Kafka's ConfigException, an
    /// explicit `enable.idempotence=true` with acks other than all is one error naming both keys,
    /// in a scenario's config and on the command line (in either order).
    #[test]
    fn explicit_idempotence_with_acks_not_all_is_refused() {
        for sets in [["idempotent_producer=true", "acks=1"], ["acks=0", "idempotent_producer=true"]] {
            let err = apply_cli_sets(&mut Config::default(), &sets).expect_err("refused");
            assert!(err.starts_with("`idempotent_producer`") && err.contains("acks"), "{err}");
        }
        let err =
            parse_scenario(r#"{"id":"x","config":{"acks":"1","idempotent_producer":true}}"#).expect_err("refused");
        assert!(err.to_string().contains("idempotent_producer") && err.to_string().contains("acks=all"), "{err}");
        let err = apply_cli_sets(&mut Config::default(), &["relay_producer.idempotent=true", "relay_producer.acks=1"])
            .expect_err("a connector with both overrides fails to start");
        assert!(err.contains("relay_producer.acks"), "{err}");
    }

    /// defaulted_idempotence_turns_off_with_acks_not_all: a defaulted `enable.idempotence` is
    /// turned off (Kafka writes it back as false), so acks=0 never runs an idempotent producer,
    /// and the settled config reads back as valid.
    #[test]
    fn defaulted_idempotence_turns_off_with_acks_not_all() {
        let mut c = Config::default();
        apply_cli_sets(&mut c, &["acks=0"]).expect("allowed");
        assert!(!c.idempotent_producer && !c.service_idempotence());
        let s = parse_scenario(r#"{"id":"x","config":{"acks":"1"}}"#).expect("allowed");
        assert!(!s.config.idempotent_producer);
        let again = parse_scenario(&crate::sim::scenario::to_json(&s)).expect("a settled config reads back");
        assert_eq!(again.config, s.config);
        let unsettled = Config { acks: Acks::Zero, ..Config::default() };
        assert!(!unsettled.service_idempotence(), "a config built in code is read the same way");
    }
}
