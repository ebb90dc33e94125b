#![cfg(target_arch = "wasm32")]
//! The engine benchmark in the browser (the same standard scenario and bare loop as
//! `lab bench`), timed with `performance.now()`. It prints the figures for the README; it
//! asserts only that the run is the same run as natively (its trace hash is pinned in
//! `tests/golden_hashes.json`), never a time.

use std::collections::BTreeMap;

use consistency_lab::sim::bench;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn engine_benchmark_in_the_browser() {
    let perf = web_sys::window().expect("window").performance().expect("performance");
    let b = bench::run_with(&|| perf.now());
    console_log!("[bench wasm] {}", b.text().replace('\n', " | "));
    let golden: BTreeMap<String, String> =
        serde_json::from_str(include_str!("../golden_hashes.json")).expect("golden file is JSON");
    assert_eq!(golden.get("bench-standard"), Some(&b.trace_hash));
    assert!(b.events > 100_000);
}
