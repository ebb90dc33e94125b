//! The page's URL: query parameters read and written (`?lang=`, `?embed=1`, `&step=`, …).

use super::i18n::Lang;

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

/// True when the page is the compact frame for a blog post (`?embed=1`, or `true` or empty, as
/// the link parser reads it: one rule for the page and the bad-link banner).
pub fn is_embed() -> bool {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    crate::sim::share::parse_query(&search, "").embed
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
