//! The page's pure logic: no Yew, no web-sys, so it compiles and is tested natively
//! (`cargo test`), like the model. The components in `ui/` only draw what these compute.
//!
//! `state` is the UI reducer, `engine` the run the page drives, `lanes` the delivery view's lanes, `text` the look-up helpers over
//! `i18n`, `controls` what the fire and faults tabs send, `outcome` the names and formats of a finished run's measures, `layout` where the
//! topology draws everything, `lessons` the lesson picker's order and links, `markup` the tours' code spans, `status` the one rule for calling a run catching up or diverged.

pub mod controls;
pub mod engine;
pub mod lanes;
pub mod layout;
pub mod lessons;
pub mod markup;
pub mod outcome;
pub mod state;
pub mod status;
pub mod text;
