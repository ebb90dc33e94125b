//! A seeded fuzz of every input a stranger can hand the lab: scenario files, `#s=` share
//! payloads and histories (`lab check`). A few hundred mutants of each, built from the built-in
//! lessons and a real run's history, must never panic; every refusal is one short line of
//! visible characters; every accepted scenario round-trips through a link; and every accepted
//! scenario's run does no more work than the work budget promises (events against virtual time,
//! measured on a prefix of each run, so the bound holds in debug and release alike).
//!
//! Reproduce a failure with the seed it prints: `FUZZ_SEED=N cargo test --test fuzz`.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde_json::{json, Value};

use consistency_lab::sim::checker::Checker;
use consistency_lab::sim::scenario::{
    deliveries_of, node_names, parse_scenario, to_json, topology_size, Scenario, DELIVERY_NODES_MAX, SIZE_MS_MAX,
};
use consistency_lab::sim::time::MS;
use consistency_lab::sim::{builtin, history, share, Sim};

/// Mutants of each kind.
const MUTANTS: usize = 300;
/// Events each accepted mutant's run is followed for (a prefix: the whole of every run would take
/// minutes in debug; the rate check below is what the budget's bound rests on).
const EVENTS_FOLLOWED: u64 = 50_000;

fn seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(16)
}

/// A refusal as the reader sees it: one line, no character a terminal or page would act on,
/// short. `what` says which input it was, with the seed to reproduce it.
fn assert_one_clear_line(message: &str, what: &str) {
    assert!(!message.is_empty(), "{what}: empty message");
    assert!(message.chars().count() <= 1_500, "{what}: {} characters: {message:.200}", message.chars().count());
    let bad = message.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
    });
    assert!(bad.is_none(), "{what}: unescaped {bad:?} in {message:?}");
}

/// Values that broke parsers before: boundaries, huge and negative numbers, control
/// characters, long strings, wrong types, and the budget's largest settings.
fn interesting(rng: &mut ChaCha8Rng) -> Value {
    let pool = [
        json!(0),
        json!(1),
        json!(-1),
        json!(5000),
        json!(3_600_000),
        json!(3_600_001),
        json!(u64::MAX),
        json!(1e308),
        json!(0.5),
        json!(1.0),
        json!(true),
        json!(null),
        json!(""),
        json!("\u{1b}[31m\n\u{202e}\0"),
        json!("x".repeat(5_000)),
        json!([]),
        json!({}),
        json!("broker-1"),
        json!("db9-c9"),
        json!("traffic"),
        json!({"at_ms": 0, "do": "traffic", "per_sec": 5000, "for_ms": 3_600_000}),
        json!({"brokers": 9, "partitions": 12, "replication_factor": 9, "replicas": 5, "consumers_per_group": 6}),
        json!({"duplicate": 1, "drop": 0.5, "latency_ms": 0}),
    ];
    pool[rng.next_u64() as usize % pool.len()].clone()
}

/// Every place in a JSON value, as a path of keys and indices.
fn paths(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(json!(k));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(json!(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, p| match p {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(i) => &mut v[i.as_u64().expect("an index") as usize],
        _ => unreachable!("paths hold keys and indices"),
    })
}

/// One structural change: a value replaced, a key added, an array element repeated many times.
fn mutate_value(v: &mut Value, rng: &mut ChaCha8Rng) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let path = &all[rng.next_u64() as usize % all.len()];
    let new = interesting(rng);
    let target = at(v, path);
    match (rng.next_u64() % 4, target) {
        (0, Value::Object(m)) => {
            let key = ["until_ms", "config", "commands", "per_sec", "network", "zzz\n", "for_ms"];
            m.insert(key[rng.next_u64() as usize % key.len()].to_string(), new);
        }
        (1, Value::Array(a)) if !a.is_empty() => {
            let i = rng.next_u64() as usize % a.len();
            let times = 1 + rng.next_u64() % 1_200;
            let item = a[i].clone();
            a.extend(std::iter::repeat_n(item, times as usize));
        }
        (_, t) => *t = new,
    }
}

/// One textual change: a cut, a deleted or repeated span, or characters inserted.
fn mutate_text(text: &str, rng: &mut ChaCha8Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let i = rng.next_u64() as usize % (chars.len() + 1);
    let j = (i + rng.next_u64() as usize % 40).min(chars.len());
    let junk = ['{', '}', '[', ']', '"', ',', ':', '\\', '\0', '\n', '\u{1b}', '\u{202e}', '9', 'e', '-', 'é'];
    let mut out: Vec<char> = match rng.next_u64() % 4 {
        0 => chars[..i].to_vec(),
        1 => [&chars[..i], &chars[j..]].concat(),
        2 => [&chars[..j], &chars[i..]].concat(),
        _ => {
            let mut v = chars[..i].to_vec();
            v.extend((0..1 + rng.next_u64() % 8).map(|_| junk[rng.next_u64() as usize % junk.len()]));
            v.extend_from_slice(&chars[i..]);
            v
        }
    };
    out.truncate(400_000);
    out.into_iter().collect()
}

/// A change a reader might make that stays plausible: a number scaled, a command repeated, a
/// config key set to a value in its range (half of these are accepted, so runs are exercised).
fn mutate_plausibly(v: &mut Value, rng: &mut ChaCha8Rng) {
    let mut numbers = Vec::new();
    paths(v, &mut Vec::new(), &mut numbers);
    numbers.retain(|p| at(v, p).is_u64());
    let pick = rng.next_u64() % 3;
    if pick == 0 && !numbers.is_empty() {
        let p = &numbers[rng.next_u64() as usize % numbers.len()];
        let x = at(v, p);
        let factor = [0, 2, 10, 100][rng.next_u64() as usize % 4];
        *x = json!(x.as_u64().unwrap_or(0).saturating_mul(factor));
    } else if pick == 1 && v["commands"].is_array() {
        let extra = interesting(rng);
        let cmds = v["commands"].as_array_mut().expect("an array");
        let item = if extra.get("do").is_some() || cmds.is_empty() { extra } else { cmds[0].clone() };
        cmds.extend(std::iter::repeat_n(item, 1 + rng.next_u64() as usize % 50));
    } else {
        let keys: [(&str, Value); 8] = [
            ("brokers", json!(1 + rng.next_u64() % 9)),
            ("partitions", json!(1 + rng.next_u64() % 12)),
            ("replicas", json!(1 + rng.next_u64() % 5)),
            ("consumers_per_group", json!(1 + rng.next_u64() % 6)),
            ("servers", json!(rng.next_u64() % 7)),
            ("outbox_shards", json!(1 + rng.next_u64() % 8)),
            ("network", json!({"duplicate": (rng.next_u64() % 11) as f64 / 10.0, "latency_ms": rng.next_u64() % 3})),
            ("relay_ms_per_record", json!(0)),
        ];
        let (k, val) = keys[rng.next_u64() as usize % keys.len()].clone();
        if !v["config"].is_object() {
            v["config"] = json!({});
        }
        v["config"][k] = val;
    }
}

/// A scenario mutant: the text of a built-in lesson changed once or a few times.
fn scenario_mutant(rng: &mut ChaCha8Rng) -> String {
    let (_, text) = builtin::SOURCES[rng.next_u64() as usize % builtin::SOURCES.len()];
    let mut value: Value = serde_json::from_str(text).expect("a built-in is JSON");
    if rng.next_u64().is_multiple_of(2) {
        for _ in 0..1 + rng.next_u64() % 3 {
            mutate_plausibly(&mut value, rng);
        }
        return value.to_string();
    }
    for _ in 0..1 + rng.next_u64() % 3 {
        mutate_value(&mut value, rng);
    }
    let text = value.to_string();
    if rng.next_u64().is_multiple_of(4) {
        mutate_text(&text, rng)
    } else {
        text
    }
}

/// Follows an accepted scenario's run for [`EVENTS_FOLLOWED`] events (or to its end) and
/// checks the work against the budget: at most one event per size-ms of virtual time and 60
/// per delivery-node (about four times what the worst measured scenarios do), plus start-up.
fn run_within_budget(s: &Scenario, what: &str) {
    let config = s.initial_config();
    let (size, nodes) = (topology_size(&config), node_names(&config).len() as u64);
    assert!(s.until_ms * size <= SIZE_MS_MAX, "{what}: accepted over the run-length budget");
    let deliveries: u64 = s.commands.iter().map(|c| deliveries_of(&c.action, c.at_ms, s.until_ms)).sum();
    assert!(deliveries * nodes <= DELIVERY_NODES_MAX, "{what}: accepted over the deliveries budget");
    let mut sim = Sim::new(s.clone());
    let finished = sim.run_until_within(sim.until(), EVENTS_FOLLOWED);
    let bound = size * (sim.now() / MS + 1) + 60 * nodes * deliveries + 200 * nodes;
    assert!(
        sim.events() <= bound,
        "{what}: {} events by {} ms, over the budget's bound {bound} (finished: {finished})",
        sim.events(),
        sim.now() / MS
    );
}

/// Scenario files: parsed without panic; refused in one clear line; accepted ones round-trip
/// through a share link and run within the budget.
#[test]
fn scenario_mutants() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..MUTANTS {
        let what = format!("scenario mutant {n} (reproduce with FUZZ_SEED={seed})");
        let text = scenario_mutant(&mut rng);
        match parse_scenario(&text) {
            Err(e) => {
                refused += 1;
                assert_one_clear_line(&e.to_string(), &what);
            }
            Ok(s) => {
                accepted += 1;
                let back = share::decode(&share::encode(&s)).unwrap_or_else(|e| panic!("{what}: link: {e}"));
                assert_eq!(back, s, "{what}: the link does not round-trip");
                assert_eq!(parse_scenario(&to_json(&s)).as_ref(), Ok(&s), "{what}: export does not round-trip");
                run_within_budget(&s, &what);
            }
        }
    }
    eprintln!("scenario mutants: {accepted} accepted, {refused} refused (seed {seed})");
    // Both sides are exercised, or the test proves little.
    assert!(accepted >= 30 && refused >= 30, "accepted {accepted}, refused {refused} (seed {seed})");
}

/// Share payloads: a link's `#s=` changed by a reader or a mangling mail client decodes to a
/// valid scenario or one clear line; the whole URL parser never panics.
#[test]
fn share_payload_mutants() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut refused = 0;
    for n in 0..MUTANTS {
        let what = format!("payload mutant {n} (reproduce with FUZZ_SEED={seed})");
        let id = builtin::SOURCES[rng.next_u64() as usize % builtin::SOURCES.len()].0;
        let payload = share::encode(&builtin::get(id).expect("built in"));
        let payload = mutate_text(&payload, &mut rng);
        match share::decode(&payload) {
            Err(e) => {
                refused += 1;
                assert_one_clear_line(&e, &what);
            }
            Ok(s) => s.validate().unwrap_or_else(|e| panic!("{what}: decoded but invalid: {e}")),
        }
        let link = share::parse_query(&format!("?scenario={id}&t={}&step=2", mutate_text("1500", &mut rng)), &payload);
        for e in &link.errors {
            assert_one_clear_line(e, &what);
        }
    }
    assert!(refused >= 30, "refused {refused} (seed {seed})");
}

/// A real run's history, as `lab run --history` writes it.
fn real_history() -> String {
    let mut sim = Sim::new(builtin::get("what-acks-buys").expect("built in"));
    sim.run_to_end();
    let mut out = Vec::new();
    history::write_jsonl(sim.history(), sim.names(), &mut out).expect("writes to memory");
    String::from_utf8(out).expect("UTF-8")
}

/// Histories (`lab check`): lines swapped, dropped, repeated, changed or garbled are checked or
/// refused in one clear line naming the line; nothing panics.
#[test]
fn history_mutants() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc4ec);
    let base: Vec<String> = real_history().lines().map(str::to_string).collect();
    let mut refused = 0;
    for n in 0..MUTANTS {
        let what = format!("history mutant {n} (reproduce with FUZZ_SEED={seed})");
        let mut lines = base.clone();
        for _ in 0..1 + rng.next_u64() % 3 {
            let i = rng.next_u64() as usize % lines.len();
            let j = rng.next_u64() as usize % lines.len();
            match rng.next_u64() % 6 {
                0 => lines.swap(i, j),
                1 => drop(lines.remove(i)),
                2 => lines.insert(j, lines[i].clone()),
                3 => lines.reverse(),
                4 => {
                    let mut v: Value = serde_json::from_str(&lines[i]).unwrap_or(Value::Null);
                    mutate_value(&mut v, &mut rng);
                    lines[i] = v.to_string();
                }
                _ => lines[i] = mutate_text(&lines[i], &mut rng),
            }
            if lines.is_empty() {
                break;
            }
        }
        match history::parse_jsonl(&lines.join("\n")) {
            Err(e) => {
                refused += 1;
                assert_one_clear_line(&e, &what);
                assert!(e.starts_with("line ") || lines.iter().all(|l| l.trim().is_empty()), "{what}: {e}");
            }
            Ok((recs, _)) => drop(Checker::check(&recs)),
        }
    }
    assert!(refused >= 30, "refused {refused} (seed {seed})");
}
