//! `lab share <ID|FILE>` prints the `#s=` payload the page writes: decoding it gives back the
//! scenario, so a link made by the CLI opens the same run in the page (the e2e test checks the
//! page side: the same trace hash).

use std::process::Command;

use consistency_lab::sim::{builtin, share};

fn lab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lab")).args(args).output().expect("lab runs")
}

/// Every built-in scenario round-trips through `lab share` and `share::decode`.
#[test]
fn share_prints_a_decodable_payload() {
    for s in builtin::all() {
        let out = lab(&["share", &s.id]);
        assert!(out.status.success(), "{}: {}", s.id, String::from_utf8_lossy(&out.stderr));
        let payload = String::from_utf8(out.stdout).expect("utf8");
        assert_eq!(share::decode(payload.trim()).as_ref(), Ok(&s), "{}", s.id);
        assert_eq!(payload.trim(), share::encode(&s));
    }
}

/// A bad argument is one line on stderr and exit 2, like every other command.
#[test]
fn share_refuses_bad_input() {
    for args in [&["share"][..], &["share", "nope-not-a-scenario"], &["share", "a", "b"]] {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1, "{args:?}");
    }
}

/// A scenario whose link the page would refuse (over 64 KiB) is refused by `lab share` too, in
/// the page's words, with exit 2.
#[test]
fn share_refuses_a_payload_the_page_refuses() {
    // 900 commands (the work budget allows 1000) with long delivery names: about 100 k characters.
    let fires: Vec<String> = (0..900)
        .map(|i| {
            format!(r#"{{"at_ms":{},"do":"fire","delivery":"delivery-number-{i:016}","event":"created"}}"#, i * 10)
        })
        .collect();
    let text = format!(r#"{{"id":"long","until_ms":10000,"commands":[{}]}}"#, fires.join(","));
    let path = std::env::temp_dir().join(format!("lab-share-long-{}.json", std::process::id()));
    std::fs::write(&path, text).expect("write the scenario");
    let out = lab(&["share", path.to_str().expect("a UTF-8 path")]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too long") && err.lines().count() == 1, "{err}");
}

/// `lab check` takes one history file: a second one is an error, not silently the one used.
#[test]
fn check_refuses_two_files() {
    let out = lab(&["check", "a.jsonl", "b.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("one history file"));
}
