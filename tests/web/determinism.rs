#![cfg(target_arch = "wasm32")]
//! The browser build of the model gives the same trace hashes as the native build (pinned in
//! `tests/golden_hashes.json` by the native test `tests/golden.rs`).

use std::collections::BTreeMap;

use consistency_lab::sim::bench::STANDARD;
use consistency_lab::sim::builtin;
use consistency_lab::sim::scenario::parse_scenario;
use consistency_lab::sim::Sim;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_trace_hashes_equal_native() {
    let golden: BTreeMap<String, String> =
        serde_json::from_str(include_str!("../golden_hashes.json")).expect("golden file is JSON");
    let mut scenarios = builtin::all();
    scenarios.push(parse_scenario(STANDARD).expect("bench scenario"));
    for sc in scenarios {
        let id = sc.id.clone();
        let mut sim = Sim::new(sc);
        sim.run_to_end();
        assert_eq!(golden.get(&id), Some(&sim.trace_hash()), "scenario {id}: wasm trace differs from native");
    }
}
