//! The Yew page: a thin face over `crate::sim`.
//!
//! `app.rs` is the shell (header, language switch); `playground.rs` owns the run and lays out the
//! panels: `toolbar`, `topology`, `controls` (fire, faults), `settings`, `checker`, `lanes`
//! (delivery view); `state` is the UI reducer and `text` the look-up helpers over `i18n`.

mod app;
mod checker;
mod controls;
mod draft;
pub mod guide;
pub mod i18n;
pub mod kafka_panel;
mod lanes;
pub mod links;
pub mod panic;
pub mod playground;
pub mod route;
mod settings;
pub mod split;
pub mod state;
mod text;
mod toolbar;
mod topology;
pub mod tour;

pub use app::App;
use i18n::Lang;

/// Web entry: installs the panic panel, then mounts the app on `<body>`.
pub fn start() {
    panic::install();
    yew::Renderer::<App>::new().render();
}

/// The value of `key` in the page's query string (`?key=value`), percent-decoded.
pub fn query_param(key: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(key)
}

/// The language to start in: `?lang=ko|en` if given and valid, else the browser's language.
pub fn initial_lang() -> Lang {
    if let Some(lang) = query_param("lang").as_deref().and_then(Lang::from_code) {
        return lang;
    }
    let tag = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    Lang::from_browser_tag(&tag)
}

/// True when the page is the compact frame for a blog post (`?embed=1`).
pub fn is_embed() -> bool {
    query_param("embed").as_deref() == Some("1")
}

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
