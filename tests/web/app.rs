#![cfg(target_arch = "wasm32")]
//! The shell renders in a real browser: header, topology region, and a working language switch.

use std::time::Duration;

use consistency_lab::ui::i18n::{t, Lang};
use consistency_lab::ui::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app into a fresh `<div>` and waits until it has rendered.
async fn mount() -> web_sys::Element {
    let document = gloo::utils::document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<App>::with_root(host.clone()).render();
    wait_for(&host, "[data-testid=app-root]").await;
    host
}

/// Polls for `selector` under `host` for up to two seconds; Yew renders asynchronously.
async fn wait_for(host: &web_sys::Element, selector: &str) -> web_sys::Element {
    for _ in 0..200 {
        if let Some(el) = host.query_selector(selector).unwrap() {
            return el;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{selector} did not render within 2 s");
}

fn text(host: &web_sys::Element, selector: &str) -> String {
    host.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).text_content().unwrap_or_default()
}

async fn click(host: &web_sys::Element, selector: &str) {
    let el = wait_for(host, selector).await;
    el.dyn_into::<web_sys::HtmlElement>().unwrap().click();
    // Let Yew re-render after the state change.
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

/// The page has its title, the language switch and the region the simulation will fill.
#[wasm_bindgen_test]
async fn renders_header_switch_and_topology() {
    let host = mount().await;
    assert_eq!(text(&host, "[data-testid=app-title]"), "Consistency Lab");
    assert!(host.query_selector("[data-testid=topology]").unwrap().is_some());
    let buttons = host.query_selector_all("[data-testid=lang-switch] button").unwrap();
    assert_eq!(buttons.length(), 2, "one button per language");
    host.remove();
}

/// Clicking a language re-renders every text in it, marks the button pressed and keeps the
/// choice in the URL and in <html lang>.
#[wasm_bindgen_test]
async fn language_switch_changes_the_text() {
    let host = mount().await;

    click(&host, "[data-testid=lang-ko]").await;
    assert_eq!(text(&host, "[data-testid=app-tagline]"), t(Lang::Ko, "app.tagline"));
    let root = wait_for(&host, "[data-testid=app-root]").await;
    assert_eq!(root.get_attribute("data-lang").as_deref(), Some("ko"));
    let ko = wait_for(&host, "[data-testid=lang-ko]").await;
    assert_eq!(ko.get_attribute("aria-pressed").as_deref(), Some("true"));

    click(&host, "[data-testid=lang-en]").await;
    assert_eq!(text(&host, "[data-testid=app-tagline]"), t(Lang::En, "app.tagline"));
    let en = wait_for(&host, "[data-testid=lang-en]").await;
    assert_eq!(en.get_attribute("aria-pressed").as_deref(), Some("true"));
    let html_lang = gloo::utils::document().document_element().unwrap().get_attribute("lang");
    assert_eq!(html_lang.as_deref(), Some("en"));
    let search = gloo::utils::window().location().search().unwrap();
    assert!(search.contains("lang=en"), "URL keeps the language: {search}");
    host.remove();
}

/// The i18n table is complete in the browser build too.
#[wasm_bindgen_test]
fn every_text_exists_in_both_languages() {
    for (key, _, _) in consistency_lab::ui::i18n::TABLE {
        for lang in Lang::ALL {
            assert!(!t(lang, key).trim().is_empty(), "{key} is empty in {lang:?}");
        }
    }
}
