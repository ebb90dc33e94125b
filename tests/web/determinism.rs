#![cfg(target_arch = "wasm32")]
//! The browser build of the model gives the same trace hashes as the native build (pinned in
//! `tests/golden_hashes.json` by the native test `tests/golden.rs`).

use std::collections::BTreeMap;

use consistency_lab::sim::builtin;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_trace_hashes_equal_native() {
    let golden: BTreeMap<String, String> =
        serde_json::from_str(include_str!("../golden_hashes.json")).expect("golden file is JSON");
    assert_eq!(
        golden,
        builtin::trace_hashes(),
        "the wasm traces differ from the native ones (tests/golden_hashes.json)"
    );
}
