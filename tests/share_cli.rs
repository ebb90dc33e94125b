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
