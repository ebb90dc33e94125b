//! The lesson keys of the scenario contract (`tour`, `compare`, `expect`) are strictly
//! validated: valid blocks parse and survive a round trip, and each kind of mistake is refused
//! with an error that names the exact field.

use consistency_lab::sim::lessons::variant;
use consistency_lab::sim::scenario::{parse_scenario, to_json, Condition};
use serde_json::{json, Value};

/// A small valid scenario with the given extra top-level keys.
fn with(extra: Value) -> String {
    let mut base = json!({
        "id": "t",
        "until_ms": 5000,
        "config": {"publish": "dual_write"},
        "commands": [{"at_ms": 100, "do": "fire", "delivery": "D1", "event": "created"}]
    });
    for (k, v) in extra.as_object().expect("object") {
        base[k] = v.clone();
    }
    base.to_string()
}

fn field_of(extra: Value) -> String {
    match parse_scenario(&with(extra.clone())) {
        Ok(_) => panic!("expected an error for {extra}"),
        Err(e) => e.field,
    }
}

/// A scenario with every lesson key parses, keeps what it was given, and round-trips.
#[test]
fn full_lesson_block_parses_and_round_trips() {
    let s = parse_scenario(&with(json!({
        "tour": [
            {"ko": "하나", "en": "one", "at_ms": 100, "focus": ["app", "relay-0"]},
            {"ko": "둘", "en": "two"},
            {"ko": "셋", "en": "three", "at_ms": 5000}
        ],
        "compare": {"title": {"ko": "아웃박스", "en": "Outbox"}, "set": {"publish": "outbox", "network.drop": 0.0}},
        "expect": {"base": {"lost": {"ge": 1, "le": 3}, "converged": false}, "variant": {"lost": {"eq": 0}, "converged": true}}
    })))
    .expect("valid");
    assert_eq!(s.tour.len(), 3);
    assert_eq!(s.tour[0].focus, ["app", "relay-0"]);
    assert_eq!(s.tour[1].at_ms, None);
    let e = s.expect.as_ref().expect("expect");
    assert_eq!(e.base["converged"], Condition::Flag(false));
    assert!(matches!(&e.base["lost"], Condition::Bounds(b) if b.ge == Some(1.0) && b.le == Some(3.0)));
    assert_eq!(parse_scenario(&to_json(&s)).expect("round trip"), s);
    assert_eq!(variant(&s).expect("variant").config.publish, consistency_lab::sim::config::Publish::Outbox);
}

/// Each mistake in a lesson block names its field.
#[test]
fn mistakes_name_their_field() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"tour": []}), "tour"),
        (json!({"tour": {}}), "tour"),
        (json!({"tour": [{"ko": "a"}]}), "tour[0].en"),
        (json!({"tour": [{"ko": "a", "en": ""}]}), "tour[0].en"),
        (json!({"tour": [{"ko": "a", "en": "b", "colour": 1}]}), "tour[0].colour"),
        (json!({"tour": [{"ko": "a", "en": "b", "at_ms": 9000}]}), "tour[0].at_ms"),
        (
            json!({"tour": [{"ko": "a", "en": "b", "at_ms": 300}, {"ko": "a", "en": "b", "at_ms": 200}]}),
            "tour[1].at_ms",
        ),
        (json!({"tour": [{"ko": "a", "en": "b", "focus": ["db9"]}]}), "tour[0].focus[0]"),
        (json!({"tour": [{"ko": "a", "en": "b", "focus": ["app", "app"]}]}), "tour[0].focus[1]"),
        (json!({"tour": [{"ko": "a", "en": "b", "focus": "app"}]}), "tour[0].focus"),
        (json!({"compare": {"set": {"acks": "all"}}}), "compare.title"),
        (json!({"compare": {"title": "x", "set": {}}}), "compare.set"),
        (json!({"compare": {"title": "x", "set": {"akcs": "all"}}}), "compare.set.akcs"),
        (json!({"compare": {"title": "x", "set": {"acks": "most"}}}), "compare.set.acks"),
        (json!({"compare": {"title": "x", "set": {"brokers": 1}}}), "compare.set.replication_factor"),
        (json!({"compare": {"title": "x", "set": {"acks": "all"}, "seed": 3}}), "compare.seed"),
        (json!({"expect": {"base": {"lots": {"eq": 1}}}}), "expect.base.lots"),
        (json!({"expect": {"base": {"lost": 1}}}), "expect.base.lost"),
        (json!({"expect": {"base": {"lost": {}}}}), "expect.base.lost"),
        (json!({"expect": {"base": {"lost": {"about": 1}}}}), "expect.base.lost.about"),
        (json!({"expect": {"base": {"lost": {"eq": "one"}}}}), "expect.base.lost.eq"),
        (json!({"expect": {"base": {"converged": {"eq": 1}}}}), "expect.base.converged"),
        (json!({"expect": {"variant": {"lost": {"eq": 0}}}}), "expect.variant"),
        (json!({"expect": {"sideways": {}}}), "expect.sideways"),
    ];
    for (extra, field) in cases {
        assert_eq!(field_of(extra.clone()), field, "for {extra}");
    }
}

/// A variant whose commands no longer fit its config (a relay that only the base has) is
/// refused at `compare.set`.
#[test]
fn variant_commands_must_fit_the_variant() {
    let json = json!({
        "id": "t", "until_ms": 5000, "config": {"outbox_shards": 2},
        "commands": [{"at_ms": 100, "do": "crash", "node": "relay-1"}],
        "compare": {"title": "one shard", "set": {"outbox_shards": 1}}
    });
    let e = parse_scenario(&json.to_string()).expect_err("relay-1 does not exist in the variant");
    assert_eq!(e.field, "compare.set");
    assert!(e.message.contains("relay-1"), "{e}");
}

/// `lab config` prints the Kafka settings for a scenario (after `--set`), and bad input exits 2
/// with one line on stderr.
#[test]
fn lab_config_prints_settings_and_refuses_bad_input() {
    let lab = env!("CARGO_BIN_EXE_lab");
    let out = std::process::Command::new(lab)
        .args(["config", "what-acks-buys", "--set", "relay_producer.acks=all", "--set", "min_insync_replicas=3"])
        .output()
        .expect("lab runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf8");
    for line in
        ["acks=all", "min.insync.replicas=3", "transforms.outbox.type=io.debezium.transforms.outbox.EventRouter"]
    {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
    }
    let json = std::process::Command::new(lab).args(["config", "playground", "--json"]).output().expect("lab runs");
    let v: Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert!(v["sections"].as_array().is_some_and(|s| !s.is_empty()));
    for bad in [
        &["config"][..],
        &["config", "no-such-scenario"],
        &["config", "playground", "--set", "acks=7"],
        &["config", "playground", "--set", "idempotent_producer=true", "--set", "acks=1"],
        &["config", "playground", "--lang", "fr"],
        &["config", "playground", "--bogus"],
    ] {
        let out = std::process::Command::new(lab).args(bad).output().expect("lab runs");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
}
