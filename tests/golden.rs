//! Golden trace hashes: the same seed and commands give the same trace natively and in the
//! browser. This native test pins the hashes in `tests/golden_hashes.json`; the browser test
//! (`tests/web/determinism.rs`) checks the wasm build against the same file. After an
//! intended model change, refresh the file with `UPDATE_GOLDEN=1 cargo test --test golden`.

use std::collections::BTreeMap;

use consistency_lab::sim::builtin;

#[test]
fn trace_hashes_match_the_golden_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_hashes.json");
    let now = builtin::trace_hashes();
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::write(path, serde_json::to_string_pretty(&now).expect("json") + "\n").expect("write golden");
        return;
    }
    let text = std::fs::read_to_string(path).expect("tests/golden_hashes.json exists");
    let golden: BTreeMap<String, String> = serde_json::from_str(&text).expect("golden file is JSON");
    assert_eq!(
        golden, now,
        "trace hashes changed; if the model change is intended run `UPDATE_GOLDEN=1 cargo test --test golden`"
    );
}
