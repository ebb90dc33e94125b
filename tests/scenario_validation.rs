//! The scenario contract: valid files parse, every kind of bad input is refused with an error
//! that names the exact field, and nothing panics.

use consistency_lab::sim::command::{Action, Command, CrashPoint};
use consistency_lab::sim::config::{Acks, Config, Publish};
use consistency_lab::sim::domain::Kind;
use consistency_lab::sim::scenario::{
    apply_cli_set, apply_cli_sets, apply_set, config_keys, is_topology_key, node_names, parse_scenario, to_json,
    Scenario, ScenarioError,
};
use serde_json::{json, Value};

/// The example scenario of DESIGN.md, verbatim apart from the titles.
const DESIGN_EXAMPLE: &str = r#"{
  "id": "outbox-vs-dual-write",
  "title": {"ko": "아웃박스 대 이중 쓰기", "en": "Outbox vs dual write"},
  "seed": 42,
  "until_ms": 60000,
  "config": {"publish": "dual_write", "acks": "all", "partitions": 3},
  "commands": [
    {"at_ms": 100, "do": "fire", "delivery": "D1", "event": "created"},
    {"at_ms": 900, "do": "crash", "node": "app", "when": "after_db_commit"},
    {"at_ms": 2000, "do": "partition", "groups": [["app", "relay-0"], ["broker-1", "broker-2", "broker-3"]]},
    {"at_ms": 5000, "do": "heal"},
    {"at_ms": 5200, "do": "restart", "node": "app"},
    {"at_ms": 0, "do": "traffic", "per_sec": 50, "for_ms": 10000, "cancel_ratio": 0.1},
    {"at_ms": 7000, "do": "read", "delivery": "D1", "mode": "quorum"}
  ]
}"#;

/// Parses `json`, expecting an error, and returns it (with the input printed on failure).
fn refused(json: &str) -> ScenarioError {
    match parse_scenario(json) {
        Ok(s) => panic!("expected an error, parsed {s:?} from {json}"),
        Err(e) => e,
    }
}

/// A minimal valid scenario with `config` and `commands` spliced in.
fn with(config: Value, commands: Value) -> String {
    json!({"id": "t", "until_ms": 10000, "config": config, "commands": commands}).to_string()
}

/// Asserts the error of a scenario with these config and commands names `field`.
fn assert_field(config: Value, commands: Value, field: &str) -> ScenarioError {
    let e = refused(&with(config, commands));
    assert_eq!(e.field, field, "wrong field in error: {e}");
    e
}

/// The DESIGN.md example parses into the values it spells out.
#[test]
fn design_example_parses() {
    let s = parse_scenario(DESIGN_EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.id, "outbox-vs-dual-write");
    assert_eq!(s.seed, 42);
    assert_eq!(s.until_ms, 60000);
    assert_eq!(s.config.publish, Publish::DualWrite);
    assert_eq!(s.config.acks, Acks::All);
    assert_eq!(s.commands.len(), 7);
    assert_eq!(
        s.commands[0],
        Command { at_ms: 100, action: Action::Fire { delivery: "D1".into(), event: Kind::Created } }
    );
    assert_eq!(s.commands[1].action, Action::Crash { node: "app".into(), when: Some(CrashPoint::AfterDbCommit) });
    assert_eq!(s.commands[3].action, Action::Heal { from: None, to: None });
}

/// Only `id` is required; everything else takes the documented default.
#[test]
fn defaults_for_missing_top_level_keys() {
    let s = parse_scenario(r#"{"id": "bare"}"#).unwrap();
    assert_eq!(s.title.en, "bare");
    assert_eq!(s.title.ko, "bare");
    assert_eq!(s.seed, 1);
    assert_eq!(s.until_ms, 60000);
    assert_eq!(s.config, Config::default());
    assert!(s.commands.is_empty());
}

/// Malformed JSON is refused with its line and column.
#[test]
fn malformed_json() {
    let e = refused("{\n  \"id\": \"x\",\n  \"seed\": 4 2\n}");
    assert_eq!(e.field, "$");
    assert!(e.message.contains("line 3"), "{e}");
    assert!(e.message.contains("column"), "{e}");
}

/// Trailing garbage after the object is malformed JSON too.
#[test]
fn trailing_characters() {
    assert_eq!(refused(r#"{"id": "x"} x"#).field, "$");
}

/// A key given twice is refused rather than silently keeping the last one.
#[test]
fn duplicate_key() {
    let e = refused(r#"{"id": "x", "config": {"acks": "0", "acks": "all"}}"#);
    assert_eq!(e.field, "config.acks");
    assert!(e.message.contains("duplicate"), "{e}");
}

/// An unknown top-level key is named.
#[test]
fn unknown_top_level_key() {
    let e = refused(r#"{"id": "x", "sede": 3}"#);
    assert_eq!(e.field, "sede");
    assert!(e.message.contains("did you mean `seed`"), "{e}");
}

/// An unknown config key is named with its path.
#[test]
fn unknown_config_key() {
    let e = assert_field(json!({"partition": 3}), json!([]), "config.partition");
    assert!(e.message.contains("partitions"), "{e}");
}

/// An unknown key inside `network` is named with its full path.
#[test]
fn unknown_network_key() {
    assert_field(json!({"network": {"loss": 0.1}}), json!([]), "config.network.loss");
}

/// Values out of range are refused, at top level, in config and in commands.
#[test]
fn out_of_range() {
    assert_field(json!({"brokers": 10}), json!([]), "config.brokers");
    assert_field(json!({"network": {"drop": 1.5}}), json!([]), "config.network.drop");
    assert_field(json!({}), json!([{"at_ms": 1, "do": "traffic", "per_sec": 0, "for_ms": 10}]), "commands[0].per_sec");
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "pause", "node": "app", "for_ms": 600001}]),
        "commands[0].for_ms",
    );
    assert_field(json!({}), json!([{"at_ms": 10001, "do": "heal"}]), "commands[0].at_ms");
    assert_eq!(refused(r#"{"id": "x", "until_ms": 0}"#).field, "until_ms");
    assert_eq!(refused(r#"{"id": ""}"#).field, "id");
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "fire", "delivery": "has space", "event": "created"}]),
        "commands[0].delivery",
    );
}

/// Cross-key rules name the key that must change.
#[test]
fn cross_key_rules() {
    assert_field(json!({"brokers": 2}), json!([]), "config.replication_factor");
    assert_field(json!({"replication_factor": 1, "brokers": 1}), json!([]), "config.min_insync_replicas");
    // And these three together are fine, whatever their order in the file.
    parse_scenario(&with(json!({"min_insync_replicas": 1, "replication_factor": 1, "brokers": 1}), json!([]))).unwrap();
}

/// A value of the wrong type is refused, not coerced.
#[test]
fn wrong_type() {
    let e = assert_field(json!({"partitions": "3"}), json!([]), "config.partitions");
    assert!(e.message.contains("string"), "{e}");
    assert_field(json!({"partitions": 3.5}), json!([]), "config.partitions");
    assert_field(json!({"dashboard": 1}), json!([]), "config.dashboard");
    assert_eq!(refused(r#"{"id": "x", "seed": -1}"#).field, "seed");
    assert_eq!(refused(r#"{"id": "x", "commands": {}}"#).field, "commands");
    assert_eq!(refused(r#"[1, 2]"#).field, "$");
}

/// An unknown `do` is named.
#[test]
fn unknown_do() {
    let e = assert_field(json!({}), json!([{"at_ms": 1, "do": "crsh", "node": "app"}]), "commands[0].do");
    assert!(e.message.contains("did you mean `crash`"), "{e}");
}

/// A key a command does not take is named.
#[test]
fn unknown_command_key() {
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "restart", "node": "app", "when": "after_db_commit"}]),
        "commands[0].when",
    );
}

/// A missing required field is named.
#[test]
fn missing_field() {
    assert_field(json!({}), json!([{"at_ms": 1, "do": "fire", "delivery": "D1"}]), "commands[0].event");
    assert_field(json!({}), json!([{"do": "heal"}]), "commands[0].at_ms");
    assert_field(json!({}), json!([{"at_ms": 1}]), "commands[0].do");
    assert_eq!(refused(r#"{"title": "no id"}"#).field, "id");
    assert_eq!(refused(r#"{"id": "x", "title": {"ko": "제목"}}"#).field, "title.en");
}

/// Node names are checked against the config's topology.
#[test]
fn unknown_node() {
    assert_field(json!({}), json!([{"at_ms": 1, "do": "crash", "node": "broker-4"}]), "commands[0].node");
    assert_field(
        json!({"brokers": 5}),
        json!([{"at_ms": 1, "do": "cut", "from": "broker-5", "to": "relay-1"}]),
        "commands[0].to",
    );
    assert_field(
        json!({"dashboard": false}),
        json!([{"at_ms": 1, "do": "pause", "node": "dashboard", "for_ms": 10}]),
        "commands[0].node",
    );
    assert_field(json!({}), json!([{"at_ms": 1, "do": "wipe", "replica": "db1-c1"}]), "commands[0].replica");
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "read", "delivery": "D1", "replica": "db4"}]),
        "commands[0].replica",
    );
    assert_field(json!({}), json!([{"at_ms": 1, "do": "heal", "from": "app"}]), "commands[0].to");
    assert_field(json!({}), json!([{"at_ms": 1, "do": "restart", "node": "relay-00"}]), "commands[0].node");
    // Every name node_names lists is accepted.
    let config = Config { servers: 2, consumers_per_group: 2, outbox_shards: 2, ..Config::default() };
    for name in node_names(&config) {
        parse_scenario(&with(
            serde_json::to_value(&config).unwrap(),
            json!([{"at_ms": 1, "do": "restart", "node": name}]),
        ))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// node_names lists the nodes in the engine's fixed order.
#[test]
fn node_order() {
    let config = Config {
        servers: 1,
        consumers_per_group: 2,
        replicas: 2,
        brokers: 2,
        replication_factor: 2,
        ..Config::default()
    };
    assert_eq!(
        node_names(&config),
        [
            "app",
            "relay-0",
            "broker-1",
            "broker-2",
            "controller",
            "db1",
            "db2",
            "db1-c1",
            "db1-c2",
            "db2-c1",
            "db2-c2",
            "dashboard",
            "client",
            "server-1"
        ]
    );
}

/// An unknown event kind is named.
#[test]
fn unknown_event() {
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "fire", "delivery": "D1", "event": "picked"}]),
        "commands[0].event",
    );
}

/// An unknown crash point is named.
#[test]
fn bad_when() {
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "crash", "node": "app", "when": "after_commit"}]),
        "commands[0].when",
    );
}

/// A crash point must belong to the node's role.
#[test]
fn when_does_not_fit_node() {
    let e = assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "crash", "node": "broker-1", "when": "after_db_commit"}]),
        "commands[0].when",
    );
    assert!(e.message.contains("`app`"), "{e}");
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "crash", "node": "app", "when": "after_publish"}]),
        "commands[0].when",
    );
    assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "crash", "node": "db1", "when": "after_apply"}]),
        "commands[0].when",
    );
    parse_scenario(&with(
        json!({}),
        json!([
            {"at_ms": 1, "do": "crash", "node": "relay-0", "when": "after_publish"},
            {"at_ms": 1, "do": "crash", "node": "db2-c1", "when": "after_apply"}
        ]),
    ))
    .unwrap();
}

/// A node in two groups of a partition, or an empty group, is refused.
#[test]
fn partition_overlap_and_empty_group() {
    let e = assert_field(
        json!({}),
        json!([{"at_ms": 1, "do": "partition", "groups": [["app", "relay-0"], ["broker-1", "app"]]}]),
        "commands[0].groups[1][1]",
    );
    assert!(e.message.contains("group 0"), "{e}");
    assert_field(json!({}), json!([{"at_ms": 1, "do": "partition", "groups": [["app"], []]}]), "commands[0].groups[1]");
}

/// A `set` of a topology key after the start is refused; at 0 it is allowed.
#[test]
fn set_topology_key_mid_run() {
    let e =
        assert_field(json!({}), json!([{"at_ms": 5, "do": "set", "key": "partitions", "value": 6}]), "commands[0].key");
    assert!(e.message.contains("needs a restart"), "{e}");
    let s =
        parse_scenario(&with(json!({}), json!([{"at_ms": 0, "do": "set", "key": "partitions", "value": 6}]))).unwrap();
    assert_eq!(s.initial_config().partitions, 6);
}

/// `set` values are validated against the config in force at that time, in run order.
#[test]
fn set_values_checked_in_run_order() {
    assert_field(json!({}), json!([{"at_ms": 5, "do": "set", "key": "acks", "value": "2"}]), "commands[0].value");
    assert_field(json!({}), json!([{"at_ms": 5, "do": "set", "key": "network.los", "value": 0.1}]), "commands[0].key");
    // Turning idempotence off at 10 allows max_in_flight 8 at 20, even if listed first.
    parse_scenario(&with(
        json!({}),
        json!([
            {"at_ms": 20, "do": "set", "key": "max_in_flight", "value": 8},
            {"at_ms": 10, "do": "set", "key": "idempotent_producer", "value": false}
        ]),
    ))
    .unwrap();
    assert_field(
        json!({}),
        json!([
            {"at_ms": 20, "do": "set", "key": "max_in_flight", "value": 8},
            {"at_ms": 30, "do": "set", "key": "idempotent_producer", "value": false}
        ]),
        "commands[0].value",
    );
}

/// Idempotence caps max_in_flight at 5, as Kafka requires.
#[test]
fn max_in_flight_with_idempotence() {
    let e = assert_field(json!({"max_in_flight": 6}), json!([]), "config.max_in_flight");
    assert!(e.message.contains("enable.idempotence"), "{e}");
    let s = parse_scenario(&with(json!({"max_in_flight": 6, "idempotent_producer": false}), json!([]))).unwrap();
    assert_eq!(s.config.max_in_flight, 6);
}

/// `acks` takes the strings "0", "1", "all" and Kafka's numbers 0, 1, -1.
#[test]
fn acks_forms() {
    for (v, want) in
        [(json!("0"), Acks::Zero), (json!(1), Acks::One), (json!(-1), Acks::All), (json!("all"), Acks::All)]
    {
        let s = parse_scenario(&with(json!({"acks": v}), json!([]))).unwrap();
        assert_eq!(s.config.acks, want);
    }
    assert_field(json!({"acks": 2}), json!([]), "config.acks");
    assert_field(json!({"acks": "ALL"}), json!([]), "config.acks");
}

/// A scenario serialises to contract form and parses back equal.
#[test]
fn round_trip() {
    let s = parse_scenario(DESIGN_EXAMPLE).unwrap();
    let text = to_json(&s);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["commands"][1], json!({"at_ms": 900, "do": "crash", "node": "app", "when": "after_db_commit"}));
    assert_eq!(v["config"].as_object().unwrap().len(), 25, "config is serialised in full");
    assert_eq!(parse_scenario(&text).unwrap(), s);
    // Through serde's Deserialize too.
    let back: Scenario = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    assert!(s.validate().is_ok());
}

/// Every command kind round-trips.
#[test]
fn round_trip_every_command() {
    let commands = json!([
        {"at_ms": 0, "do": "traffic", "per_sec": 10, "for_ms": 1000, "cancel_ratio": 0.25, "step_ms": 200},
        {"at_ms": 1, "do": "fire", "delivery": "D-1_x", "event": "pickup_ready_requested"},
        {"at_ms": 2, "do": "crash", "node": "db1-c1", "when": "after_apply"},
        {"at_ms": 3, "do": "restart", "node": "db1-c1"},
        {"at_ms": 4, "do": "cut", "from": "app", "to": "broker-1", "oneway": true},
        {"at_ms": 5, "do": "heal", "from": "app", "to": "broker-1"},
        {"at_ms": 6, "do": "pause", "node": "broker-2", "for_ms": 500},
        {"at_ms": 7, "do": "net", "drop": 0.5, "latency_ms": 20},
        {"at_ms": 8, "do": "read", "delivery": "D1", "mode": "one", "replica": "db2"},
        {"at_ms": 9, "do": "set", "key": "network.duplicate", "value": 0.1},
        {"at_ms": 10, "do": "wipe", "replica": "db3"},
        {"at_ms": 11, "do": "broadcast", "value": "surge=2"}
    ]);
    let s = parse_scenario(&with(json!({"servers": 2}), commands)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse_scenario(&to_json(&s)).unwrap(), s);
}

/// apply_set and the CLI's --set accept each documented form and name the key on error.
#[test]
fn cli_sets() {
    let mut c = Config::default();
    apply_cli_set(&mut c, "acks=1").unwrap();
    assert_eq!(c.acks, Acks::One);
    apply_cli_set(&mut c, "acks=all").unwrap();
    assert_eq!(c.acks, Acks::All);
    assert!(!c.idempotent_producer, "acks=1 settled the defaulted idempotence off, as Kafka writes it back");
    apply_cli_set(&mut c, "idempotent_producer=true").unwrap();
    apply_cli_set(&mut c, "acks=-1").unwrap();
    apply_cli_set(&mut c, "network.drop=0.1").unwrap();
    assert_eq!(c.network.drop, 0.1);
    apply_cli_set(&mut c, "publish=dual_write").unwrap();
    assert_eq!(c.publish, Publish::DualWrite);
    apply_cli_set(&mut c, "partitions=6").unwrap();
    assert_eq!(c.partitions, 6, "a CLI set may change topology");
    apply_cli_set(&mut c, "dashboard=false").unwrap();
    assert!(!c.dashboard);

    let before = c.clone();
    let e = apply_cli_set(&mut c, "network.drop=2").unwrap_err();
    assert!(e.starts_with("`network.drop`:"), "{e}");
    let e = apply_cli_set(&mut c, "acks").unwrap_err();
    assert!(e.contains("key=value"), "{e}");
    let e = apply_cli_set(&mut c, "brokers=1").unwrap_err();
    assert!(e.starts_with("`replication_factor`:"), "{e}");
    let e = apply_cli_set(&mut c, "max_in_flight=7").unwrap_err();
    assert!(e.starts_with("`max_in_flight`:"), "{e}");
    let e = apply_cli_set(&mut c, "colour=blue").unwrap_err();
    assert!(e.starts_with("`colour`:"), "{e}");
    assert_eq!(c, before, "a refused set changes nothing");

    apply_cli_sets(&mut c, &["brokers=1", "replication_factor=1", "min_insync_replicas=1"]).unwrap();
    assert_eq!((c.brokers, c.replication_factor, c.min_insync_replicas), (1, 1, 1));

    apply_set(&mut c, "network", &json!({"latency_ms": 50, "jitter_ms": 0})).unwrap();
    assert_eq!((c.network.latency_ms, c.network.jitter_ms), (50, 0));
}

/// Every key of the table is accepted by apply_set at its default, which is Config::default().
#[test]
fn key_docs_match_the_parser() {
    for key in config_keys() {
        let mut c = Config::default();
        apply_set(&mut c, key.name, &key.default_value()).unwrap_or_else(|e| panic!("{}: {e}", key.name));
        assert_eq!(c, Config::default(), "{} default", key.name);
    }
    assert_eq!(config_keys().len(), 30);
}

/// The keys that shape the topology, as the contract lists them: a `set` of one of these after
/// time 0 is refused and the page restarts the run for them.
#[test]
fn topology_keys_are_the_contracts() {
    let topology: Vec<&str> = config_keys().iter().filter(|k| k.topology).map(|k| k.name).collect();
    assert_eq!(
        topology,
        [
            "brokers",
            "partitions",
            "replication_factor",
            "outbox_shards",
            "replicas",
            "consumers_per_group",
            "servers",
            "bus_groups",
            "dashboard"
        ]
    );
    assert!(topology.iter().all(|k| is_topology_key(k)) && !is_topology_key("acks"));
}

/// A tiny deterministic PRNG (SplitMix64) so the fuzz test needs no dependency.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Replaces one random node of the JSON tree with a random value.
fn mutate_value(v: &mut Value, rng: &mut SplitMix) {
    let pick = |rng: &mut SplitMix| -> Value {
        let choices = [
            json!(null),
            json!(true),
            json!(-1),
            json!(0),
            json!(1),
            json!(7),
            json!(1e300),
            json!(-0.5),
            json!(0.5),
            json!(u64::MAX),
            json!(""),
            json!("all"),
            json!("app"),
            json!("db1-c1"),
            json!("relay-9"),
            json!("x".repeat(70)),
            json!([]),
            json!([[]]),
            json!([["app"], ["app"]]),
            json!({}),
            json!({"do": "heal"}),
            json!("after_apply"),
            json!("crash"),
            json!("set"),
            json!("brokers"),
            json!("network.drop"),
        ];
        choices[rng.below(choices.len())].clone()
    };
    match v {
        Value::Object(map) if !map.is_empty() && rng.below(4) != 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let k = &keys[rng.below(keys.len())];
            match rng.below(5) {
                0 => {
                    map.remove(k);
                }
                1 => {
                    let val = map[k].clone();
                    map.insert(format!("{k}x"), val);
                }
                _ => mutate_value(map.get_mut(k).unwrap(), rng),
            }
        }
        Value::Array(items) if !items.is_empty() && rng.below(4) != 0 => {
            let i = rng.below(items.len());
            match rng.below(5) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let val = items[i].clone();
                    items.push(val);
                }
                _ => mutate_value(&mut items[i], rng),
            }
        }
        _ => *v = pick(rng),
    }
}

/// Mutates the text: deletes, inserts or duplicates a few bytes (keeping valid UTF-8).
fn mutate_text(text: &str, rng: &mut SplitMix) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(chars.len().max(1));
        match rng.below(3) {
            0 if !chars.is_empty() => {
                chars.remove(i);
            }
            1 => {
                let noise = ['{', '}', '[', ']', ',', ':', '"', '0', '-', 'e', '\\', 'é', ' ', 'n'];
                chars.insert(i.min(chars.len()), noise[rng.below(noise.len())]);
            }
            _ => {
                let j = (i + rng.below(20)).min(chars.len());
                let slice: Vec<char> = chars[i.min(j)..j].to_vec();
                for (k, c) in slice.into_iter().enumerate() {
                    chars.insert(j + k, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// 2000 seeded random mutations of a valid scenario (of its tree and of its text) never make
/// the parser panic, and whatever it accepts round-trips.
#[test]
fn fuzz_never_panics() {
    let seed = 0x5eed_u64;
    let mut rng = SplitMix(seed);
    let base: Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
    let (mut accepted, mut refused_count) = (0, 0);
    for round in 0..2000 {
        let text = if round % 2 == 0 {
            let mut v = base.clone();
            for _ in 0..1 + rng.below(3) {
                mutate_value(&mut v, &mut rng);
            }
            v.to_string()
        } else {
            mutate_text(DESIGN_EXAMPLE, &mut rng)
        };
        let result = std::panic::catch_unwind(|| parse_scenario(&text));
        match result {
            Err(_) => panic!("parser panicked on round {round}; reproduce with seed={seed}: {text}"),
            Ok(Ok(s)) => {
                accepted += 1;
                assert_eq!(parse_scenario(&to_json(&s)).as_ref(), Ok(&s), "round trip, round {round}, seed={seed}");
            }
            Ok(Err(e)) => {
                refused_count += 1;
                assert!(!e.field.is_empty() && !e.message.is_empty(), "round {round}: {e}");
            }
        }
    }
    eprintln!("fuzz seed={seed}: {accepted} accepted, {refused_count} refused");
    assert!(
        accepted > 50 && refused_count > 500,
        "mutations too mild or too harsh: {accepted} accepted, {refused_count} refused"
    );
}
