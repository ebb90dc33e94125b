//! The model: a deterministic discrete-event simulation of the delivery pipeline.
//! Pure Rust (std, serde, rand_core/rand_chacha): no web dependency.

pub mod app;
pub mod bench;
pub mod broker;
pub mod builtin;
pub mod checker;
pub mod command;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod domain;
pub mod engine;
pub mod history;
pub mod kafka_props;
pub mod lessons;
pub mod msg;
pub mod producer;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod share;
pub mod view;
pub mod world;

pub use world::Sim;
