//! The model: a deterministic discrete-event simulation of the delivery pipeline.
//! Pure Rust (std, serde, rand_core/rand_chacha): no web dependency.

pub mod bench;
pub mod builtin;
pub mod checker;
pub mod command;
pub mod config;
pub mod domain;
pub mod engine;
pub mod faults;
pub mod history;
pub mod kafka_props;
pub mod lessons;
pub mod msg;
pub mod net;
pub mod nodes;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod share;
pub mod sweep;
pub mod text;
pub mod time;
pub mod topology;
pub mod trace;
pub mod view;
pub mod world;

pub use world::Sim;
