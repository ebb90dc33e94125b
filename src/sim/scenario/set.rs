//! Setting config keys from a scenario's `config`, a `set` command, a `compare.set` or the CLI's
//! `--set`, all through the one table of [`super::keys`]: each key checked against its row, then
//! the rules that tie keys together ([`super::keys::BOUNDS`]) once every key of the change is set.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::json::{describe, list, suggest, Obj};
use super::keys::{config_key, config_keys, BOUNDS};
use super::{Res, ScenarioError};
use crate::sim::config::Config;
use crate::sim::text::echo;

/// A refused config key: the key (`network.drop`, echoed: it may be the reader's) and why.
#[derive(Debug)]
pub(super) struct KeyError {
    pub(super) key: String,
    /// Whether the key itself is unknown (rather than its value wrong).
    pub(super) unknown: bool,
    pub(super) message: String,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

fn key_err(key: &str, message: String) -> KeyError {
    KeyError { key: echo(key), unknown: false, message }
}

/// The keys as a scenario's `config` object has them, in contract order: a dotted key of the
/// table (`network.drop`) appears as its object (`network`), once.
pub(super) fn top_level_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for k in config_keys() {
        let top = k.name.split('.').next().unwrap_or(k.name);
        if !keys.contains(&top) {
            keys.push(top);
        }
    }
    keys
}

/// The keys inside the object key `object` (`network` → `latency_ms`, `jitter_ms`, …), in order.
pub(super) fn object_keys(object: &str) -> Vec<&'static str> {
    config_keys().iter().filter_map(|k| k.name.split_once('.')).filter(|(o, _)| *o == object).map(|(_, k)| k).collect()
}

/// Sets one key, checking only that key's own row (cross-key rules are [`check_config`]). An
/// object key (`network`) takes an object of its inner keys.
pub(super) fn set_key(config: &mut Config, key: &str, value: &Value) -> Result<(), KeyError> {
    if let Some(row) = config_key(key) {
        return row.set(config, value).map_err(|m| key_err(key, m));
    }
    let inner = object_keys(key);
    if inner.is_empty() {
        return Err(unknown_key(key));
    }
    let Value::Object(map) = value else {
        return Err(key_err(key, format!("must be an object of {}, got {}", list(&inner), describe(value))));
    };
    for (k, v) in map {
        set_key(config, &format!("{key}.{k}"), v)?;
    }
    Ok(())
}

/// The error for a key the table does not have, with a "did you mean" when one is close.
fn unknown_key(key: &str) -> KeyError {
    let inner = key.split_once('.').map(|(object, k)| (object, k, object_keys(object)));
    let message = match inner {
        Some((object, k, keys)) if !keys.is_empty() => {
            format!("unknown {object} key{}; {object} keys are {}", suggest(k, &keys), list(&keys))
        }
        _ => {
            let top = top_level_keys();
            let candidates: Vec<&str> = config_keys()
                .iter()
                .map(|k| k.name)
                .chain(top.iter().copied().filter(|t| config_key(t).is_none()))
                .collect();
            format!("unknown config key{}; keys are {}", suggest(key, &candidates), list(&top))
        }
    };
    KeyError { key: echo(key), unknown: true, message }
}

/// The producer settings as Kafka settles or refuses them ([`Config::settle_producer`];
/// `named(key)`: whether this change names `key`), then the rules that tie keys together
/// ([`BOUNDS`]). The error names the key that has to change.
pub(super) fn check_config(config: &mut Config, named: &dyn Fn(&str) -> bool) -> Result<(), KeyError> {
    let settled = config.settle_producer(named).err();
    match settled.or_else(|| BOUNDS.iter().find_map(|b| (b.broken)(config).map(|m| (b.key, m)))) {
        Some((key, message)) => Err(key_err(key, message)),
        None => Ok(()),
    }
}

/// A scenario's `config` object: every default, with the keys it gives set.
pub(super) fn parse_config(value: &Value, path: &str) -> Res<Config> {
    let obj = Obj::new(value, path)?;
    let mut config = Config::default();
    let top = top_level_keys();
    // Keys in contract order, so the first error reported does not depend on the file's order.
    for key in &top {
        if let Some(v) = obj.get(key) {
            set_key(&mut config, key, v).map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
        }
    }
    for key in obj.map.keys() {
        if !top.contains(&key.as_str()) {
            let e = set_key(&mut Config::default(), key, &Value::Null).expect_err("an unknown key is refused");
            return Err(ScenarioError::new(format!("{path}.{}", e.key), e.message));
        }
    }
    check_config(&mut config, &|k| obj.get(k).is_some())
        .map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
    Ok(config)
}

/// `config` with a `compare.set` applied: each key validated like a `set` command, the cross-key
/// rules checked once after all of them. The error names `compare.set.<key>`.
pub fn variant_config(config: &Config, set: &BTreeMap<String, Value>) -> Result<Config, ScenarioError> {
    let mut next = config.clone();
    for (k, v) in set {
        set_key(&mut next, k, v).map_err(|e| ScenarioError::new(format!("compare.set.{}", echo(k)), e.message))?;
    }
    check_config(&mut next, &|k| set.contains_key(k))
        .map_err(|e| ScenarioError::new(format!("compare.set.{}", e.key), e.message))?;
    Ok(next)
}

/// Sets one config key (`acks`, or `network.drop`; `network` takes an object of network keys)
/// to a JSON value, validated exactly as in a scenario's `config`, then re-checks the rules that
/// tie keys together (replication_factor ≤ brokers, …). On error `config` is unchanged and the
/// message names the key: "`network.drop`: must be a number in 0..=1, got 2".
pub fn apply_set(config: &mut Config, key: &str, value: &Value) -> Result<(), String> {
    let mut next = config.clone();
    set_key(&mut next, key, value).map_err(|e| e.to_string())?;
    check_config(&mut next, &|k| k == key).map_err(|e| e.to_string())?;
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
    let mut named = Vec::new();
    for a in assignments {
        let (key, value) = split_cli_set(a.as_ref())?;
        set_key(&mut next, key, &value).map_err(|e| e.to_string())?;
        named.push(key);
    }
    check_config(&mut next, &|k| named.contains(&k)).map_err(|e| e.to_string())?;
    *config = next;
    Ok(())
}

fn split_cli_set(assignment: &str) -> Result<(&str, Value), String> {
    let Some((key, raw)) = assignment.split_once('=') else {
        return Err(format!("`{}`: expected key=value (e.g. acks=all)", echo(assignment)));
    };
    let key = key.trim();
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Ok((key, value))
}
