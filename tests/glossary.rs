//! The Korean glossary: one term per concept, everywhere the reader reads Korean (the page's
//! text table, the page's own label tables, the lesson texts). A variant spelling of a term is a
//! second name for one thing, so the test names the file and the variant to replace.

use std::fs;
use std::path::Path;

/// (concept, the one Korean term, variants that must not appear). Kafka's partition is
/// "파티션"; a network partition is "네트워크 분할", never "네트워크 파티션", so the two never mix.
const GLOSSARY: &[(&str, &str, &[&str])] = &[
    ("consumer", "컨슈머", &["소비자"]),
    ("producer", "프로듀서", &["생산자"]),
    ("network partition", "네트워크 분할", &["네트워크 파티션", "망 분할"]),
    ("duplicate applied", "중복 적용", &["중복 반영"]),
    ("duplicate suppressed", "중복 억제", &["중복 걸러냄"]),
    ("stale read", "오래된 값 읽기", &["오래된 읽기", "옛 값 읽기"]),
    ("the source post", "블로그 글", &["시드 글"]),
];

/// Every file whose Korean text the reader sees: `src/ui/**/*.rs` and `scenarios/*.json`.
fn reader_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new("src/ui").to_path_buf(), Path::new("scenarios").to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "json") {
                out.push((path.display().to_string(), fs::read_to_string(&path).expect("utf-8")));
            }
        }
    }
    out.sort();
    out
}

/// No file uses a variant of a glossary term; every term is used somewhere (a term nobody uses
/// means the glossary went stale).
#[test]
fn one_korean_term_per_concept() {
    let files = reader_files();
    assert!(files.len() > 20, "found the page's sources and the lessons");
    let mut wrong = Vec::new();
    for (concept, term, variants) in GLOSSARY {
        for (path, text) in &files {
            for v in *variants {
                if text.contains(v) {
                    wrong.push(format!("{path}: `{v}` for {concept}: write `{term}`"));
                }
            }
        }
        assert!(files.iter().any(|(_, t)| t.contains(term)), "glossary term `{term}` ({concept}) is used nowhere");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each anomaly has one name: the checker's `an.<key>` entry in the text table, and no other
/// table names it (the guide and the comparison read the same entry).
#[test]
fn each_anomaly_is_named_once() {
    let outcome = fs::read_to_string("src/ui/logic/outcome.rs").expect("outcome.rs");
    for ko in ["유실", "중복 적용", "중복 억제", "순서 뒤바뀜", "오래된 값 읽기", "확인 후 유실", "유령"]
    {
        assert!(!outcome.contains(&format!("\"{ko}\"")), "outcome.rs names `{ko}` itself; use i18n's an.<key>");
    }
    let i18n = fs::read_to_string("src/ui/i18n.rs").expect("i18n.rs");
    for key in consistency_lab::sim::checker::Anomalies::NAMES {
        assert_eq!(i18n.matches(&format!("(\"an.{key}\",")).count(), 1, "an.{key} once in i18n.rs");
    }
}
