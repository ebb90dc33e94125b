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
//! - `guide` (tour slot), `split` (side-by-side comparison), `links` (share bar), `route` (the
//!   URL), `tour`, `kafka_panel`, `draft` (inputs), `panic` (the crash panel).

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
}

#[cfg(target_arch = "wasm32")]
pub use app::App;

// The lib's unit tests that need a browser run there (`cargo test --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
/// Web entry: installs the panic panel, then mounts the app on `<body>`.
pub fn start() {
    panic::install();
    yew::Renderer::<App>::new().render();
}

#[cfg(target_arch = "wasm32")]
/// The value of `key` in the page's query string (`?key=value`), percent-decoded.
pub fn query_param(key: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(key)
}

#[cfg(target_arch = "wasm32")]
/// The language to start in: `?lang=ko|en` if given and valid, else the browser's language.
pub fn initial_lang() -> i18n::Lang {
    if let Some(lang) = query_param("lang").as_deref().and_then(i18n::Lang::from_code) {
        return lang;
    }
    let tag = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    i18n::Lang::from_browser_tag(&tag)
}

#[cfg(target_arch = "wasm32")]
/// True when the page is the compact frame for a blog post (`?embed=1`).
pub fn is_embed() -> bool {
    query_param("embed").as_deref() == Some("1")
}

#[cfg(target_arch = "wasm32")]
/// The current URL with query `key` set to `value`, or removed when `value` is `None`.
pub fn url_with_param(key: &str, value: Option<&str>) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    let url = web_sys::Url::new(&href).ok()?;
    match value {
        Some(value) => url.search_params().set(key, value),
        None => url.search_params().delete(key),
    }
    Some(url.href())
}
