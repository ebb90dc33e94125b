//! The Yew page: a thin face over `crate::sim`.
//!
//! Two halves. `logic/` (and the text table `i18n`) is plain Rust, compiled and tested natively
//! too: the UI reducer, the page's run (`Engine`), text and number formats, the topology's layout
//! maths. Everything else is Yew and compiled for wasm32 only:
//!
//! - `app.rs` is the shell (header, language switch, routing to the playground);
//! - `run.rs` is the run controller (`Ctl`, the frame loop); it imports no component;
//! - `playground.rs` lays out the panels: `toolbar`, `topology/`, `controls` (fire, faults),
//!   `settings`, `checker`, `lanes` (delivery view), with `keys` (shortcuts);
//! - `lessons` (the lesson picker in the header), `guide` (tour slot), `split` (side-by-side comparison), `links` (share bar), `route` (the
//!   scenario a URL names), `url` (query parameters), `tour`, `kafka_panel`, `draft` (inputs),
//!   `panic` (the crash panel).

pub mod i18n;
pub mod logic;

/// Declares the modules of the Yew face, compiled for wasm32 only.
macro_rules! web_modules {
    ($($vis:vis mod $name:ident;)*) => { $( #[cfg(target_arch = "wasm32")] $vis mod $name; )* };
}

web_modules! {
    mod app;
    mod checker;
    mod controls;
    mod draft;
    pub mod guide;
    pub mod kafka_panel;
    mod keys;
    mod lanes;
    mod lessons;
    pub mod links;
    pub mod panic;
    pub mod playground;
    pub mod route;
    pub mod run;
    mod settings;
    pub mod split;
    mod toolbar;
    mod topology;
    pub mod tour;
    pub mod url;
}

#[cfg(target_arch = "wasm32")]
pub use app::App;
#[cfg(target_arch = "wasm32")]
pub use url::{initial_lang, is_embed, query_param, url_with_param};

// The lib's unit tests that need a browser run there (`cargo test --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
/// Web entry: installs the panic panel, then mounts the app on `<body>`.
pub fn start() {
    panic::install();
    yew::Renderer::<App>::new().render();
}
