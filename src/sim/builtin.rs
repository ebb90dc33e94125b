//! Built-in scenarios: the JSON files under `scenarios/`, compiled in.

use super::scenario::{parse_scenario, Scenario};

/// (id, JSON text) of every built-in scenario, in the order `lab list` shows them.
pub const SOURCES: &[(&str, &str)] = &[("playground", include_str!("../../scenarios/playground.json"))];

/// Every built-in scenario, parsed. A built-in that fails to parse is a bug (a test checks).
pub fn all() -> Vec<Scenario> {
    SOURCES.iter().map(|(id, s)| parse_scenario(s).unwrap_or_else(|e| panic!("built-in scenario {id}: {e}"))).collect()
}

/// One built-in scenario by id.
pub fn get(id: &str) -> Option<Scenario> {
    SOURCES.iter().find(|(i, _)| *i == id).map(|(id, s)| parse_scenario(s).unwrap_or_else(|e| panic!("built-in scenario {id}: {e}")))
}

#[cfg(test)]
mod tests {
    /// Every built-in scenario parses and its id matches its file.
    #[test]
    fn builtins_parse() {
        for (id, _) in super::SOURCES {
            assert_eq!(super::get(id).expect("present").id, *id);
        }
    }
}
