//! Consistency Lab: a deterministic simulation of a food-delivery event pipeline
//! (service + outbox, CDC relays, a Kafka-like broker, consumer groups, replica databases)
//! with two thin faces over it: the Yew page (`ui`) and the headless CLI (`src/bin/lab.rs`).

pub mod sim;

/// The page. Its pure logic (`ui::logic`, `ui::i18n`) compiles everywhere; the Yew components
/// only for wasm32.
pub mod ui;
