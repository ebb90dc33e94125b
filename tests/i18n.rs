//! Runs the i18n table's own tests natively: `src/ui/` is wasm-only in the library, but its text
//! table has no web dependency, so it is included here by path.

#[allow(dead_code)]
#[path = "../src/ui/i18n.rs"]
mod i18n;
