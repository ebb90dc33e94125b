//! `lab check` refuses a history whose structure is broken, with one line naming the line:
//! `start` first and only once, time never going back, at most `REPLICAS_MAX` replicas, every
//! replica a line names listed in `start`, plain names. A model's history passes (every
//! built-in's does: `tests/model_lessons.rs`); an empty, reversed or shuffled one does not.

use std::process::Command;

use consistency_lab::sim::history::{parse_jsonl, write_jsonl, REPLICAS_MAX};
use consistency_lab::sim::{builtin, checker::Checker, Sim};

/// A real history: the cap-partition lesson, as `lab run --history` writes it.
fn model_lines() -> Vec<String> {
    let mut sim = Sim::new(builtin::get("cap-partition").expect("a built-in"));
    sim.run_to_end();
    let mut text = Vec::new();
    write_jsonl(sim.history(), sim.names(), &mut text).expect("write");
    String::from_utf8(text).expect("utf8").lines().map(String::from).collect()
}

fn refusal(lines: &[String]) -> String {
    parse_jsonl(&(lines.join("\n") + "\n")).map(drop).expect_err("refused")
}

const START: &str = r#"{"t_ms":0,"node":"app","op":"start","replicas":["db1","db2"],"seed":1,"scenario":"x"}"#;

/// A history of `START` then `lines`; the error for it.
fn refusal_after_start(lines: &[&str]) -> String {
    let all: Vec<String> = std::iter::once(START).chain(lines.iter().copied()).map(String::from).collect();
    refusal(&all)
}

#[test]
fn a_model_history_is_accepted() {
    let lines = model_lines();
    assert!(lines.len() > 50);
    assert!(parse_jsonl(&(lines.join("\n") + "\n")).is_ok());
}

#[test]
fn an_empty_history_is_refused() {
    for text in ["", "\n", "  \n\n"] {
        assert_eq!(
            parse_jsonl(text).map(drop),
            Err("line 1: the history is empty; it must begin with a `start` line".to_string())
        );
    }
}

#[test]
fn a_reversed_history_is_refused() {
    let mut lines = model_lines();
    lines.reverse();
    let e = refusal(&lines);
    assert!(e.starts_with("line 1: the history must begin with a `start` line"), "{e}");
}

/// Shuffled (a fixed permutation, so the test is deterministic): refused whether or not
/// `start` stays first, by the line that goes back in time.
#[test]
fn a_shuffled_history_is_refused() {
    let lines = model_lines();
    let n = lines.len();
    // A permutation: i ↦ i × 7919 mod n, with n coprime to the prime 7919.
    assert_ne!(n % 7919, 0);
    let shuffled: Vec<String> = (0..n).map(|i| lines[i * 7919 % n].clone()).collect();
    assert_eq!(shuffled[0], lines[0], "index 0 stays: start first");
    let e = refusal(&shuffled);
    assert!(e.starts_with("line ") && e.contains("lines must be in time order"), "{e}");
    let mut rotated = lines.clone();
    rotated.rotate_left(n / 2);
    assert!(refusal(&rotated).starts_with("line 1: the history must begin with a `start` line"));
}

#[test]
fn time_must_not_go_back() {
    let e = refusal_after_start(&[
        r#"{"t_ms":30,"node":"app","op":"crash"}"#,
        r#"{"t_ms":12.5,"node":"app","op":"restart"}"#,
    ]);
    assert_eq!(e, "line 3: `t_ms` 12.5 is before 30 (line 2): lines must be in time order");
}

#[test]
fn start_comes_once() {
    assert_eq!(refusal_after_start(&[START]), "line 2: a second `start` line (the first is line 1)");
}

#[test]
fn replicas_must_be_listed_in_start() {
    let cases = [
        r#"{"t_ms":1,"node":"db3-c1","op":"apply","replica":"db3","event":1,"delivery":"D1","kind":"created","seq":1}"#,
        r#"{"t_ms":1,"node":"db3","op":"skip","replica":"db3","event":1,"reason":"duplicate"}"#,
        r#"{"t_ms":1,"node":"db3","op":"wipe","replica":"db3"}"#,
        r#"{"t_ms":1,"node":"client","op":"read","delivery":"D1","replicas":["db1","db3"],"version":0,"latest":0}"#,
        r#"{"t_ms":1,"node":"db3","op":"final","delivery":"D1","status":null,"version":0}"#,
    ];
    for line in cases {
        let e = refusal_after_start(&[line]);
        assert!(
            e.starts_with("line 2: op `") && e.ends_with("names `db3`, which is not a replica of the `start` line"),
            "{e}"
        );
    }
    // `app`'s final rows and a broker's skip name no replica.
    let ok = [
        r#"{"t_ms":1,"node":"broker-1","op":"skip","partition":0,"event":1,"reason":"duplicate"}"#,
        r#"{"t_ms":2,"node":"app","op":"final","delivery":"D1","status":null,"version":0}"#,
        r#"{"t_ms":2,"node":"db2","op":"final","delivery":"D1","status":null,"version":0}"#,
    ];
    let text = std::iter::once(START).chain(ok).collect::<Vec<_>>().join("\n");
    assert!(parse_jsonl(&text).is_ok());
}

#[test]
fn start_lists_each_replica_once_and_a_bounded_number() {
    let start = |names: Vec<String>| {
        vec![serde_json::json!({"t_ms":0,"node":"app","op":"start","replicas":names,"seed":1,"scenario":"x"})
            .to_string()]
    };
    assert_eq!(refusal(&start(vec!["db1".into(), "db1".into()])), "line 1: `start` lists `db1` twice");
    let many = |n: usize| (1..=n).map(|i| format!("db{i}")).collect::<Vec<_>>();
    assert!(parse_jsonl(&start(many(REPLICAS_MAX))[0]).is_ok());
    assert_eq!(
        refusal(&start(many(REPLICAS_MAX + 1))),
        format!("line 1: `start` lists {} replicas; at most {REPLICAS_MAX}", REPLICAS_MAX + 1)
    );
    // The issue's case: 65,000 replicas (once 24 s of replicas × commits work) is refused at
    // its first line, before any commit is read.
    let mut lines = start(many(65_000));
    lines.extend((1..=6000).map(|e| {
        format!(r#"{{"t_ms":{e},"node":"app","op":"commit","event":{e},"delivery":"D1","kind":"created","seq":1}}"#)
    }));
    assert_eq!(refusal(&lines), "line 1: `start` lists 65000 replicas; at most 64");
}

/// At the bound, the checker's work stays linear: 64 replicas and 20,000 commits are checked
/// (the structure is asserted, not the wall time).
#[test]
fn the_most_replicas_are_checked() {
    let replicas: Vec<String> = (1..=REPLICAS_MAX).map(|i| format!("db{i}")).collect();
    let mut lines =
        vec![serde_json::json!({"t_ms":0,"node":"app","op":"start","replicas":replicas,"seed":1,"scenario":"x"})
            .to_string()];
    for e in 1..=20_000 {
        let r = &replicas[e % REPLICAS_MAX];
        lines.push(format!(
            r#"{{"t_ms":{e},"node":"app","op":"commit","event":{e},"delivery":"D{e}","kind":"created","seq":1}}"#
        ));
        lines.push(format!(
            r#"{{"t_ms":{e},"node":"{r}-c1","op":"apply","replica":"{r}","event":{e},"delivery":"D{e}","kind":"created","seq":1}}"#
        ));
    }
    let (recs, _) = parse_jsonl(&lines.join("\n")).expect("accepted");
    let report = Checker::check(&recs);
    assert_eq!(report.counts.committed, 20_000);
    assert_eq!(report.anomalies.lost, 20_000 * (REPLICAS_MAX as u64 - 1));
}

#[test]
fn names_are_plain() {
    let e = refusal_after_start(&[r#"{"t_ms":1,"node":"app\u001b[2J","op":"crash"}"#]);
    assert_eq!(e, "line 2: a node name is 1..=32 characters of [A-Za-z0-9_-], got `app\\u{1b}[2J`");
    let long = format!(
        r#"{{"t_ms":1,"node":"client","op":"read","delivery":"{}","replicas":[],"latest":0,"refused":true}}"#,
        "D".repeat(33)
    );
    assert!(refusal_after_start(&[&long]).starts_with("line 2: a delivery name is 1..=32 characters"));
}

/// Through the CLI: one line on stderr, exit 2, for an empty and a reversed file.
#[test]
fn lab_check_refuses_with_one_line() {
    let dir = std::env::temp_dir().join(format!("history-structure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("h.jsonl");
    let mut reversed = model_lines();
    reversed.reverse();
    for (text, expected) in [
        (String::new(), "line 1: the history is empty; it must begin with a `start` line"),
        (reversed.join("\n"), "line 1: the history must begin with a `start` line"),
    ] {
        std::fs::write(&path, text).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_lab")).arg("check").arg(&path).output().expect("lab runs");
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).expect("utf8");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("lab: {}: {expected}", path.display())), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
