//! Config keys: their docs, their ranges, and setting them from a scenario, a `set` or the CLI.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::json::{describe, list, suggest, want_bool, want_enum, want_f64, want_u64, Obj};
use super::{Res, ScenarioError};
use crate::sim::config::{Acks, BusGroups, CommitMode, Config, Partitioner, Publish, ReadMode, WriteMode};

/// One config key as documented for readers: name, default, accepted values, meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyDoc {
    /// The key as written in `config` or in a `set` (`network.drop`).
    pub key: &'static str,
    /// The default, as JSON.
    pub default: &'static str,
    /// The accepted values.
    pub accepts: &'static str,
    /// What it does (English).
    pub doc: &'static str,
    /// Whether the key shapes the topology (a `set` of it is refused after `at_ms` 0).
    pub topology: bool,
}

pub(super) const fn kd(
    key: &'static str,
    default: &'static str,
    accepts: &'static str,
    doc: &'static str,
    topology: bool,
) -> KeyDoc {
    KeyDoc { key, default, accepts, doc, topology }
}

pub(super) const KEY_DOCS: &[KeyDoc] = &[
    kd("brokers", "3", "integer 1..=9", "Kafka-like brokers broker-1…broker-N.", true),
    kd("partitions", "3", "integer 1..=12", "Partitions of the delivery topic.", true),
    kd("replication_factor", "3", "integer 1..=brokers", "Copies of each partition.", true),
    kd(
        "min_insync_replicas",
        "2",
        "integer 1..=replication_factor",
        "ISR size acks=all needs to accept a write.",
        false,
    ),
    kd(
        "acks",
        "\"all\"",
        "\"0\" | \"1\" | \"all\", or 0 | 1 | -1 (= all)",
        "Replicas that must have a record before the producer is answered.",
        false,
    ),
    kd("unclean_leader_election", "false", "boolean", "Whether an out-of-sync replica may become leader.", false),
    kd(
        "idempotent_producer",
        "true",
        "boolean",
        "Producer id + sequence numbers: the broker drops retried batches it has.",
        false,
    ),
    kd(
        "max_in_flight",
        "5",
        "integer 1..=10 (1..=5 with idempotent_producer)",
        "Unacknowledged batches per partition.",
        false,
    ),
    kd("partitioner", "\"key\"", "\"key\" | \"round_robin\"", "How a record's partition is chosen.", false),
    kd("publish", "\"outbox\"", "\"outbox\" | \"dual_write\"", "How the service gets an event to the broker.", false),
    kd("outbox_shards", "1", "integer 1..=8", "Outbox shards, one CDC relay each (relay-0…).", true),
    kd(
        "consumer_commit",
        "\"after_process\"",
        "\"after_process\" | \"before_process\"",
        "When consumers commit offsets: at-least-once or at-most-once.",
        false,
    ),
    kd("idempotent_consumer", "true", "boolean", "Consumers record processed event ids and skip repeats.", false),
    kd("replicas", "3", "integer 1..=5", "Replica databases db1…dbR, one consumer group each.", true),
    kd("consumers_per_group", "1", "integer 1..=6", "Members of each replica's consumer group (dbI-c1…).", true),
    kd(
        "write_mode",
        "\"via_broker\"",
        "\"serial_sync\" | \"quorum\" | \"serial_async\" | \"via_broker\"",
        "How replicas get a write and when the writer is acknowledged.",
        false,
    ),
    kd("read_mode", "\"one\"", "\"one\" | \"quorum\" | \"all\"", "How the client reads.", false),
    kd("network.latency_ms", "5", "integer 0..=10000 (ms)", "One-way latency of every link.", false),
    kd("network.jitter_ms", "2", "integer 0..=10000 (ms)", "Uniform extra delay up to this.", false),
    kd("network.drop", "0.0", "number 0..=1", "Probability that a message is lost.", false),
    kd("network.duplicate", "0.0", "number 0..=1", "Probability that a message is delivered twice.", false),
    kd("servers", "0", "integer 0..=6", "Event-bus servers server-1…server-N (0: no event bus).", true),
    kd(
        "bus_groups",
        "\"per_server\"",
        "\"per_server\" | \"shared\"",
        "One consumer group per server, or one shared group.",
        true,
    ),
    kd("dashboard", "true", "boolean", "Whether the streams dashboard runs.", true),
    kd("relay_ms_per_record", "2.0", "number 0..=1000 (ms)", "CPU time a relay spends per outbox record.", false),
    kd(
        "consumer_ms_per_record",
        "1.0",
        "number 0..=1000 (ms)",
        "CPU time a consumer spends applying one record.",
        false,
    ),
    kd(
        "replica_spread_ms",
        "3",
        "integer 0..=1000 (ms)",
        "Replica dbI sits (I-1) × this much farther away (other zones): extra one-way latency on its links.",
        false,
    ),
];

/// Every config key with its default and accepted values, in the contract's order.
pub fn config_key_docs() -> &'static [KeyDoc] {
    KEY_DOCS
}

pub(super) const NETWORK_KEYS: &[&str] = &["latency_ms", "jitter_ms", "drop", "duplicate"];

/// Top-level config keys, in contract order (`network` is an object of [`NETWORK_KEYS`]).
pub(super) const CONFIG_KEYS: &[&str] = &[
    "brokers",
    "partitions",
    "replication_factor",
    "min_insync_replicas",
    "acks",
    "unclean_leader_election",
    "idempotent_producer",
    "max_in_flight",
    "partitioner",
    "publish",
    "outbox_shards",
    "consumer_commit",
    "idempotent_consumer",
    "replicas",
    "consumers_per_group",
    "write_mode",
    "read_mode",
    "network",
    "servers",
    "bus_groups",
    "dashboard",
    "relay_ms_per_record",
    "consumer_ms_per_record",
    "replica_spread_ms",
];

/// A refused config key: the key (`network.drop`) and why.
#[derive(Debug)]
pub(super) struct KeyError {
    pub(super) key: String,
    pub(super) unknown: bool,
    pub(super) message: String,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

pub(super) fn key_err(key: &str, message: String) -> KeyError {
    KeyError { key: key.to_string(), unknown: false, message }
}

/// Sets one key, checking only that key's own range (cross-key rules are [`check_config`]).
pub(super) fn set_key(config: &mut Config, key: &str, value: &Value) -> Result<(), KeyError> {
    let e = |m: String| key_err(key, m);
    let u32_in = |lo: u32, hi: u32| want_u64(value, lo as u64, hi as u64).map(|n| n as u32).map_err(e);
    match key {
        "brokers" => config.brokers = u32_in(1, 9)?,
        "partitions" => config.partitions = u32_in(1, 12)?,
        "replication_factor" => config.replication_factor = u32_in(1, 9)?,
        "min_insync_replicas" => config.min_insync_replicas = u32_in(1, 9)?,
        "acks" => config.acks = parse_acks(value).map_err(e)?,
        "unclean_leader_election" => config.unclean_leader_election = want_bool(value).map_err(e)?,
        "idempotent_producer" => config.idempotent_producer = want_bool(value).map_err(e)?,
        "max_in_flight" => config.max_in_flight = u32_in(1, 10)?,
        "partitioner" => {
            config.partitioner =
                want_enum(value, &[("key", Partitioner::Key), ("round_robin", Partitioner::RoundRobin)]).map_err(e)?
        }
        "publish" => {
            config.publish =
                want_enum(value, &[("outbox", Publish::Outbox), ("dual_write", Publish::DualWrite)]).map_err(e)?
        }
        "outbox_shards" => config.outbox_shards = u32_in(1, 8)?,
        "consumer_commit" => {
            config.consumer_commit = want_enum(
                value,
                &[("after_process", CommitMode::AfterProcess), ("before_process", CommitMode::BeforeProcess)],
            )
            .map_err(e)?
        }
        "idempotent_consumer" => config.idempotent_consumer = want_bool(value).map_err(e)?,
        "replicas" => config.replicas = u32_in(1, 5)?,
        "consumers_per_group" => config.consumers_per_group = u32_in(1, 6)?,
        "write_mode" => {
            config.write_mode = want_enum(
                value,
                &[
                    ("serial_sync", WriteMode::SerialSync),
                    ("quorum", WriteMode::Quorum),
                    ("serial_async", WriteMode::SerialAsync),
                    ("via_broker", WriteMode::ViaBroker),
                ],
            )
            .map_err(e)?
        }
        "read_mode" => config.read_mode = parse_read_mode(value).map_err(e)?,
        "network" => {
            let Value::Object(map) = value else {
                return Err(e(format!("must be an object of {}, got {}", list(NETWORK_KEYS), describe(value))));
            };
            for (k, v) in map {
                set_key(config, &format!("network.{k}"), v)?;
            }
        }
        "network.latency_ms" => config.network.latency_ms = want_u64(value, 0, 10_000).map_err(e)?,
        "network.jitter_ms" => config.network.jitter_ms = want_u64(value, 0, 10_000).map_err(e)?,
        "network.drop" => config.network.drop = want_f64(value, 0.0, 1.0).map_err(e)?,
        "network.duplicate" => config.network.duplicate = want_f64(value, 0.0, 1.0).map_err(e)?,
        "servers" => config.servers = u32_in(0, 6)?,
        "bus_groups" => {
            config.bus_groups =
                want_enum(value, &[("per_server", BusGroups::PerServer), ("shared", BusGroups::Shared)]).map_err(e)?
        }
        "dashboard" => config.dashboard = want_bool(value).map_err(e)?,
        "relay_ms_per_record" => config.relay_ms_per_record = want_f64(value, 0.0, 1000.0).map_err(e)?,
        "consumer_ms_per_record" => config.consumer_ms_per_record = want_f64(value, 0.0, 1000.0).map_err(e)?,
        "replica_spread_ms" => config.replica_spread_ms = want_u64(value, 0, 1000).map_err(e)?,
        _ => {
            let message = match key.strip_prefix("network.") {
                Some(k) => {
                    format!("unknown network key{}; network keys are {}", suggest(k, NETWORK_KEYS), list(NETWORK_KEYS))
                }
                None => {
                    let all: Vec<&str> = KEY_DOCS.iter().map(|d| d.key).chain(["network"]).collect();
                    format!("unknown config key{}; keys are {}", suggest(key, &all), list(CONFIG_KEYS))
                }
            };
            return Err(KeyError { key: key.to_string(), unknown: true, message });
        }
    }
    Ok(())
}

/// The rules that tie keys together. The error names the key that has to change.
pub(super) fn check_config(config: &Config) -> Result<(), KeyError> {
    if config.replication_factor > config.brokers {
        return Err(key_err(
            "replication_factor",
            format!(
                "{} copies need at least as many brokers, but brokers is {}",
                config.replication_factor, config.brokers
            ),
        ));
    }
    if config.min_insync_replicas > config.replication_factor {
        return Err(key_err(
            "min_insync_replicas",
            format!(
                "must be at most replication_factor ({}), got {} (acks=all could never succeed)",
                config.replication_factor, config.min_insync_replicas
            ),
        ));
    }
    if config.idempotent_producer && config.max_in_flight > 5 {
        return Err(key_err(
            "max_in_flight",
            format!(
                "must be at most 5 when idempotent_producer is true (Kafka: enable.idempotence requires \
                 max.in.flight.requests.per.connection ≤ 5), got {}",
                config.max_in_flight
            ),
        ));
    }
    Ok(())
}

pub(super) fn parse_config(value: &Value, path: &str) -> Res<Config> {
    let obj = Obj::new(value, path)?;
    let mut config = Config::default();
    // Keys in contract order, so the first error reported does not depend on the file's order.
    for key in CONFIG_KEYS {
        if let Some(v) = obj.get(key) {
            set_key(&mut config, key, v).map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
        }
    }
    for key in obj.map.keys() {
        if !CONFIG_KEYS.contains(&key.as_str()) {
            let e = set_key(&mut Config::default(), key, &Value::Null).expect_err("an unknown key is refused");
            return Err(ScenarioError::new(format!("{path}.{key}"), e.message));
        }
    }
    check_config(&config).map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
    Ok(config)
}

pub(super) fn parse_acks(value: &Value) -> Result<Acks, String> {
    let acks = match value {
        Value::String(s) => match s.as_str() {
            "0" => Some(Acks::Zero),
            "1" => Some(Acks::One),
            "all" => Some(Acks::All),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(Acks::Zero),
            Some(1) => Some(Acks::One),
            Some(-1) => Some(Acks::All),
            _ => None,
        },
        _ => None,
    };
    acks.ok_or_else(|| format!("must be \"0\", \"1\" or \"all\" (or 0, 1, -1 = all), got {}", describe(value)))
}

pub(super) fn parse_read_mode(value: &Value) -> Result<ReadMode, String> {
    want_enum(value, &[("one", ReadMode::One), ("quorum", ReadMode::Quorum), ("all", ReadMode::All)])
}

/// `config` with a `compare.set` applied: each key validated like a `set` command, the cross-key
/// rules checked once after all of them. The error names `compare.set.<key>`.
pub fn variant_config(config: &Config, set: &BTreeMap<String, Value>) -> Result<Config, ScenarioError> {
    let mut next = config.clone();
    for (k, v) in set {
        set_key(&mut next, k, v).map_err(|e| ScenarioError::new(format!("compare.set.{k}"), e.message))?;
    }
    check_config(&next).map_err(|e| ScenarioError::new(format!("compare.set.{}", e.key), e.message))?;
    Ok(next)
}

/// Sets one config key (`acks`, or `network.drop`; `network` takes an object of network keys)
/// to a JSON value, validated exactly as in a scenario's `config`, then re-checks the rules that
/// tie keys together (replication_factor ≤ brokers, …). On error `config` is unchanged and the
/// message names the key: "`network.drop`: must be a number in 0..=1, got 2".
pub fn apply_set(config: &mut Config, key: &str, value: &Value) -> Result<(), String> {
    let mut next = config.clone();
    set_key(&mut next, key, value).map_err(|e| e.to_string())?;
    check_config(&next).map_err(|e| e.to_string())?;
    *config = next;
    Ok(())
}

/// Applies one `--set key=value` of the CLI. The value is read as JSON when it parses as JSON,
/// else taken as a string, so `acks=all`, `acks=1`, `network.drop=0.1` and
/// `publish=dual_write` all work. Unlike a `set` command it may change topology keys (it
/// applies before the run). Cross-key rules are checked after this one key; to change keys
/// that depend on each other (brokers and replication_factor) use [`apply_cli_sets`].
pub fn apply_cli_set(config: &mut Config, assignment: &str) -> Result<(), String> {
    apply_cli_sets(config, &[assignment])
}

/// Applies several `--set key=value` in order and checks the cross-key rules once, at the end,
/// so `--set brokers=1 --set replication_factor=1 --set min_insync_replicas=1` works in any
/// order. On error `config` is unchanged.
pub fn apply_cli_sets<S: AsRef<str>>(config: &mut Config, assignments: &[S]) -> Result<(), String> {
    let mut next = config.clone();
    for a in assignments {
        let (key, value) = split_cli_set(a.as_ref())?;
        set_key(&mut next, key, &value).map_err(|e| e.to_string())?;
    }
    check_config(&next).map_err(|e| e.to_string())?;
    *config = next;
    Ok(())
}

pub(super) fn split_cli_set(assignment: &str) -> Result<(&str, Value), String> {
    let Some((key, raw)) = assignment.split_once('=') else {
        return Err(format!("`{assignment}`: expected key=value (e.g. acks=all)"));
    };
    let key = key.trim();
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Ok((key, value))
}
