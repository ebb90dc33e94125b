//! The panic panel: a panic must never leave a blank page.
//!
//! In release builds (`panic = "abort"`) a panic traps the WebAssembly instance right after the
//! hook returns, so nothing that runs later may depend on Rust: the hook builds the panel with
//! direct DOM calls (no Yew state), and the reset button is plain HTML with an inline handler.
//! The panel is bilingual because the hook cannot trust the app's language state.

use std::sync::Once;

use wasm_bindgen::JsCast;

use super::i18n::{t, Lang};

/// `id` of the panel element; also how a second panic finds the panel already shown.
pub const PANEL_ID: &str = "panic-panel";

/// Query keys the reset keeps: they choose how the page looks, never what the simulation does,
/// so they cannot be what caused the panic. Everything else (scenario, step, `#s=`…) is dropped.
const KEPT_QUERY_KEYS: [&str; 2] = ["lang", "embed"];

/// Installs the panic hook once; later calls do nothing. It goes through Yew, because
/// `Renderer::render` replaces any hook not set with `yew::set_custom_panic_hook`.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        yew::set_custom_panic_hook(Box::new(|info| {
            let message = info.to_string();
            web_sys::console::error_1(&format!("Consistency Lab panicked: {message}").into());
            show_panel(&message);
        }));
    });
}

/// The URL the reset button loads: `href` without its fragment and without any query key except
/// `lang` and `embed`.
pub fn reset_url(href: &str) -> String {
    let without_fragment = href.split('#').next().unwrap_or("");
    let (base, query) = match without_fragment.split_once('?') {
        Some((base, query)) => (base, query),
        None => (without_fragment, ""),
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            KEPT_QUERY_KEYS.contains(&key)
        })
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Shows the bilingual error panel over the page. It never panics itself: every DOM failure is
/// ignored, since a panic inside the panic hook would abort without a panel.
pub fn show_panel(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(PANEL_ID).is_some() {
        return;
    }
    let Some(body) = document.body() else {
        return;
    };
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();

    let element = |tag: &str, text: Option<&str>| -> Option<web_sys::Element> {
        let el = document.create_element(tag).ok()?;
        if let Some(text) = text {
            el.set_text_content(Some(text));
        }
        Some(el)
    };
    let Some(panel) = element("div", None) else {
        return;
    };
    let _ = panel.set_attribute("id", PANEL_ID);
    let _ = panel.set_attribute("data-testid", PANEL_ID);
    let _ = panel.set_attribute("role", "alert");
    let _ = panel.set_attribute("class", "panic-panel");
    // Inline style, so the panel shows even if the stylesheet failed to load.
    let _ = panel.set_attribute(
        "style",
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;\
         background:#fff;color:#1a1a1a;font:16px/1.5 system-ui,sans-serif",
    );
    for lang in Lang::ALL {
        let Some(section) = element("section", None) else {
            continue;
        };
        let _ = section.set_attribute("lang", lang.code());
        for (tag, key) in [("h2", "panic.title"), ("p", "panic.body")] {
            if let Some(el) = element(tag, Some(t(lang, key))) {
                let _ = section.append_child(&el);
            }
        }
        let _ = panel.append_child(&section);
    }
    if let Some(button) =
        element("button", Some(&format!("{} / {}", t(Lang::Ko, "panic.reset"), t(Lang::En, "panic.reset"))))
    {
        let _ = button.set_attribute("type", "button");
        let _ = button.set_attribute("data-testid", "panic-reset");
        let _ = button.set_attribute("data-href", &reset_url(&href));
        // Plain JavaScript: after the trap no Rust closure can run.
        let _ = button.set_attribute("onclick", "location.replace(this.dataset.href)");
        let _ = button.set_attribute("style", "font:inherit;padding:.5rem 1.25rem;margin:.5rem 0 1rem;cursor:pointer");
        let _ = panel.append_child(&button);
    }
    if let Some(details) = element("pre", Some(message)) {
        let _ = details.set_attribute("data-testid", "panic-message");
        let _ = details.set_attribute("style", "white-space:pre-wrap;font-size:13px;color:#555");
        let _ = panel.append_child(&details);
    }
    let _ = body.append_child(&panel);
    if let Some(button) = document
        .query_selector("[data-testid=panic-reset]")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = button.focus();
    }
}
