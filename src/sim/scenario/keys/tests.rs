//! The config key table's own rules, checked for every row.

use super::*;
use crate::sim::scenario::{apply_set, parse_scenario};
use serde_json::json;

/// Values a key accepts: both ends of a range, a middle, every choice, both booleans.
fn valid_values(key: &ConfigKey) -> Vec<Value> {
    match key.accepts {
        Int { lo, hi } => vec![json!(lo), json!((lo + hi) / 2), json!(hi)],
        Num { lo, hi } => vec![json!(lo), json!((lo + hi) / 2.0), json!(hi)],
        Bool => vec![json!(true), json!(false)],
        Choice(_) | Accepts::Acks => key.accepts.choices().unwrap().iter().map(|c| json!(c)).collect(),
    }
}

/// Values just outside what a key accepts.
fn invalid_values(key: &ConfigKey) -> Vec<Value> {
    match key.accepts {
        Int { lo, hi } => vec![if lo > 0 { json!(lo - 1) } else { json!(-1) }, json!(hi + 1)],
        Num { lo, hi } => vec![json!(lo - 0.001), json!(hi + 0.001)],
        Bool => vec![json!("true"), json!(1)],
        Choice(names) => vec![json!(format!("{}x", names[0])), json!(0)],
        Accepts::Acks => vec![json!(2), json!(-2), json!("2"), json!(true)],
    }
}

/// A scenario whose config sets `key` to `value` (nested for a dotted key).
fn scenario_with(key: &str, value: &Value) -> String {
    let config = match key.split_once('.') {
        Some((object, inner)) => json!({ object: { inner: value } }),
        None => json!({ key: value }),
    };
    json!({"id": "t", "config": config}).to_string()
}

/// Every key parses at its default, in a scenario's `config` and through `apply_set`, and
/// the default is the one of `Config::default()`.
#[test]
fn every_key_parses_at_its_default() {
    for key in CONFIG_KEYS {
        let default = key.default_value();
        let parsed = parse_scenario(&scenario_with(key.name, &default)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.config, Config::default(), "{}", key.name);
        let mut c = Config::default();
        apply_set(&mut c, key.name, &default).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c, Config::default(), "{}", key.name);
    }
}

/// Every value a key accepts is stored and read back unchanged by its setter.
#[test]
fn every_key_round_trips_through_set() {
    for key in CONFIG_KEYS {
        for v in valid_values(key) {
            let mut c = Config::default();
            key.set(&mut c, &v).unwrap_or_else(|e| panic!("{} = {v}: {e}", key.name));
            let back = key.value(&c);
            // A number key reads back as a float: compare numbers by value.
            let same = if v.is_number() { back.as_f64() == v.as_f64() } else { back == v };
            assert!(same, "{} = {v} read {back}", key.name);
            let config_json = serde_json::to_value(&c).unwrap();
            let reparsed = parse_scenario(&json!({"id": "t", "config": config_json}).to_string());
            if let Ok(s) = reparsed {
                assert_eq!(s.config, c, "{} = {v}", key.name);
            }
        }
    }
}

/// A value just outside a key's range is refused, the config is unchanged and the error
/// names the key (by `apply_set`) or its path (in a scenario).
#[test]
fn every_key_refuses_a_value_just_outside() {
    for key in CONFIG_KEYS {
        for v in invalid_values(key) {
            let mut c = Config::default();
            let e = apply_set(&mut c, key.name, &v).expect_err(&format!("{} = {v}", key.name));
            assert!(e.starts_with(&format!("`{}`: ", key.name)), "{e}");
            assert_eq!(c, Config::default());
            let e = parse_scenario(&scenario_with(key.name, &v)).expect_err("refused");
            assert_eq!(e.field, format!("config.{}", key.name));
        }
    }
}

/// A `set` after time 0 is refused exactly for the keys flagged as topology.
#[test]
fn topology_flag_matches_what_set_refuses_after_time_zero() {
    for key in CONFIG_KEYS {
        for at_ms in [0, 100] {
            let set = json!({"at_ms": at_ms, "do": "set", "key": key.name, "value": key.default_value()});
            let result = parse_scenario(&json!({"id": "t", "commands": [set]}).to_string());
            if key.topology && at_ms > 0 {
                let e = result.expect_err(key.name);
                assert_eq!(e.field, "commands[0].key");
                assert!(e.message.contains("shapes the topology"), "{e}");
            } else {
                result.unwrap_or_else(|e| panic!("{}: {e}", key.name));
            }
        }
        assert_eq!(is_topology_key(key.name), key.topology);
    }
    assert!(!is_topology_key("network") && !is_topology_key("nope"));
}

/// A key whose value changes the list of nodes must be flagged as topology: otherwise a
/// mid-run `set` would rename the nodes under the running engine.
#[test]
fn keys_that_change_the_nodes_are_topology() {
    let names = crate::sim::scenario::node_names;
    for key in CONFIG_KEYS {
        for v in valid_values(key) {
            let mut c = Config::default();
            key.set(&mut c, &v).unwrap();
            if names(&c) != names(&Config::default()) {
                assert!(key.topology, "{} = {v} changes the nodes but is not a topology key", key.name);
            }
        }
    }
}

/// The table and `Config` name the same fields: every leaf of a serialised config is a row,
/// every row a leaf, so a field added to one and not the other fails here.
#[test]
fn table_covers_every_config_field() {
    fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    leaves(&path, v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let mut fields = Vec::new();
    leaves("", &serde_json::to_value(Config::default()).unwrap(), &mut fields);
    let mut rows: Vec<String> = CONFIG_KEYS.iter().map(|k| k.name.to_string()).collect();
    fields.sort();
    rows.sort();
    assert_eq!(fields, rows);
}

/// Each choice of an enum key selects a different value (no name is a synonym or dead).
#[test]
fn choices_are_distinct_values() {
    for key in CONFIG_KEYS {
        let Some(choices) = key.accepts.choices() else { continue };
        let mut seen = Vec::new();
        for name in choices {
            let mut c = Config::default();
            key.set(&mut c, &json!(name)).unwrap();
            assert!(!seen.contains(&c), "{}: {name} repeats another choice", key.name);
            seen.push(c);
        }
        assert!(choices.iter().any(|n| json!(n) == key.default_value()), "{}: default not a choice", key.name);
    }
}

/// The accepted values for readers come from the row, its unit and its bounds.
#[test]
fn accepts_text_reads_the_rules() {
    let text = |name: &str| known_key(name).accepts_text();
    assert_eq!(text("brokers"), "integer 1..=9");
    assert_eq!(text("replication_factor"), "integer 1..=9 (≤ brokers)");
    assert_eq!(text("max_in_flight"), "integer 1..=10 (≤ 5 with idempotent_producer)");
    assert_eq!(text("network.latency_ms"), "integer 0..=10000 (ms)");
    assert_eq!(text("network.drop"), "number 0..=1");
    assert_eq!(text("partitioner"), "\"key\" | \"round_robin\"");
    assert_eq!(text("acks"), "\"0\" | \"1\" | \"all\", or 0 | 1 | -1 (= all)");
    assert!(BOUNDS.iter().all(|b| config_key(b.key).is_some()), "a bound names a key of the table");
}

/// Text from a form becomes the JSON its key takes; bad text stays text, for the key's error.
#[test]
fn form_text_becomes_the_keys_json() {
    let v = |name: &str, raw: &str| known_key(name).value_from_text(raw);
    assert_eq!(v("brokers", "4"), json!(4));
    assert_eq!(v("brokers", "1.5"), json!(1.5));
    assert_eq!(v("network.drop", "1"), json!(1.0));
    assert_eq!(v("acks", "1"), json!("1"));
    assert_eq!(v("dashboard", "false"), json!(false));
    assert_eq!(v("partitions", "many"), json!("many"));
    assert_eq!(v("partitioner", "round_robin"), json!("round_robin"));
}

/// Every key has a doc in both languages.
#[test]
fn every_key_is_documented_in_both_languages() {
    for key in CONFIG_KEYS {
        assert!(!key.doc(true).trim().is_empty() && !key.doc(false).trim().is_empty(), "{}", key.name);
        assert!(key.doc_ko.chars().any(|c| ('가'..='힣').contains(&c)), "{} has no Korean doc", key.name);
    }
}
