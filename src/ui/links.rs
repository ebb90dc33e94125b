//! Sharing and files: "copy link" (the current scenario and every command the reader added, as
//! `#s=`), export and import of the scenario JSON, the history as JSON lines, and the real Kafka
//! settings of the running config.
//!
//! [`ShareBar`] sits at the end of the playground's toolbar and reaches the run through the
//! playground's `Ctl` context. Nothing here can panic on input: an imported file is checked by
//! [`parse_scenario`] and its error is shown as is (it names the field).

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::i18n::Lang;
use super::kafka_panel::KafkaPanel;
use super::run::{Ctl, Engine};
use crate::sim::time::MS;
use crate::sim::scenario::{parse_scenario, to_json, Scenario, UNTIL_MS_MAX};
use crate::sim::share;

const LABELS: &[(&str, &str, &str)] = &[
    ("open", "공유…", "Share…"),
    ("copy", "링크 복사", "Copy link"),
    ("copied", "복사했습니다", "Copied"),
    (
        "copy_failed",
        "자동 복사가 막혀 있습니다. 위 칸에서 직접 복사하세요.",
        "Copying was blocked; copy it from the field above.",
    ),
    (
        "link_hint",
        "이 링크는 시드, 설정, 지금까지 넣은 명령을 모두 담습니다. 여는 사람은 같은 실행을 봅니다.",
        "The link carries the seed, the config and every command so far: whoever opens it sees the same run.",
    ),
    ("embed", "블로그에 넣기 (iframe)", "Embed in a post (iframe)"),
    ("export", "시나리오 JSON 내보내기", "Export scenario JSON"),
    ("import", "시나리오 JSON 가져오기…", "Import scenario JSON…"),
    ("import_bad", "가져올 수 없는 시나리오입니다", "This scenario cannot be imported"),
    ("import_read", "파일을 읽을 수 없습니다", "The file could not be read"),
    ("history", "기록 내려받기 (JSON lines)", "Download the history (JSON lines)"),
    ("kafka", "실제 Kafka 설정 보기", "Real Kafka settings"),
    ("kafka_short", "Kafka 설정", "Kafka settings"),
    ("close", "닫기", "Close"),
    ("link_bad", "이 실행은 링크로 만들 수 없습니다", "This run cannot be made into a link"),
];

fn label(l: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, l, key)
}

/// The scenario of the run as it stands: the loaded scenario with the config in force at its
/// start and every command so far (the scenario's and the reader's). A free-play run, which has
/// no end, ends at the current time, so the link shows the state the reader reached.
pub fn current_scenario(e: &Engine) -> Scenario {
    let mut s = e.base.clone();
    s.commands = e.sim.commands().to_vec();
    if s.until_ms >= UNTIL_MS_MAX {
        s.until_ms = e.sim.now().div_ceil(MS).max(1000);
    }
    s
}

/// The page's address without query and hash (works under any sub-path).
fn page_base() -> String {
    let loc = gloo::utils::window().location();
    format!("{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default())
}

/// The share link of `scenario`, in `lang`; `t_ms` (the run's clock) opens it at that instant.
pub fn link_for(scenario: &Scenario, lang: Lang, embed: bool, t_ms: Option<u64>) -> String {
    let mut q = format!("?lang={}", lang.code());
    if embed {
        q.push_str("&embed=1");
    }
    if let Some(t) = t_ms {
        q.push_str(&format!("&t={t}"));
    }
    format!("{}{}{}", page_base(), q, share::hash_for(scenario))
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = gloo::utils::document().create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// Copies `text` to the clipboard; `done(true|false)` says whether it worked (never throws).
fn copy_text(text: &str, done: Callback<bool>) {
    let clipboard = gloo::utils::window().navigator().clipboard();
    let promise = clipboard.write_text(text);
    let ok = {
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit(true))
    };
    let fail = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit(false));
    let _ = promise.then2(&ok, &fail);
    // One small pair per click; the promise settles once.
    ok.forget();
    fail.forget();
}

/// Opens `scenario` as a new page (`#s=` link, same language): import goes through the same
/// path as a shared link, so what a reader imports is what a link would show.
fn open_scenario(scenario: &Scenario, lang: Lang) {
    let url = link_for(scenario, lang, super::url::is_embed(), None);
    // When only the hash changes, `route::LinkProblems` loads the page again.
    let _ = gloo::utils::window().location().set_href(&url);
}

/// Calls `cb` when Escape is pressed anywhere on the page (closes this file's overlays and the
/// comparison; the playground closes its own on the same key).
#[hook]
pub fn use_escape(cb: Callback<()>) {
    use_effect_with((), move |_| {
        let listener = gloo::events::EventListener::new(&gloo::utils::document(), "keydown", move |e| {
            if e.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|k| k.key() == "Escape") {
                cb.emit(());
            }
        });
        move || drop(listener)
    });
}

#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    pub lang: Lang,
}

#[derive(Clone, PartialEq)]
enum Copy {
    Idle,
    Done,
    Failed,
}

/// The "share" button with its menu, and the "Kafka settings" button (see the module docs).
#[function_component(ShareBar)]
pub fn share_bar(p: &ShareBarProps) -> Html {
    let ctl = use_context::<Ctl>();
    let open = use_state(|| false);
    let kafka = use_state(|| false);
    let link = use_state(String::new);
    let copied = use_state(|| Copy::Idle);
    let error = use_state(|| None::<(&'static str, String)>);
    {
        let (open, kafka) = (open.setter(), kafka.setter());
        use_escape(Callback::from(move |_| {
            open.set(false);
            kafka.set(false);
        }));
    }
    let Some(ctl) = ctl else { return Html::default() };
    let l = p.lang;

    // The link is built from the run as it stands when the menu opens and when "copy" is pressed.
    let build_link = {
        let (ctl, link, error) = (ctl.clone(), link.clone(), error.clone());
        move || -> Option<String> {
            let (s, t_ms) = {
                let e = ctl.engine();
                (current_scenario(&e), e.sim.now() / MS)
            };
            match s.validate() {
                Ok(()) => {
                    let url = link_for(&s, l, false, Some(t_ms));
                    link.set(url.clone());
                    Some(url)
                }
                Err(e) => {
                    error.set(Some(("link_bad", e.to_string())));
                    None
                }
            }
        }
    };
    let toggle = {
        let (open, copied, build_link) = (open.clone(), copied.clone(), build_link.clone());
        Callback::from(move |_: MouseEvent| {
            if !*open {
                build_link();
            }
            copied.set(Copy::Idle);
            open.set(!*open);
        })
    };
    let copy = {
        let (copied, build_link) = (copied.clone(), build_link.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(url) = build_link() {
                let copied = copied.clone();
                copy_text(&url, Callback::from(move |ok: bool| copied.set(if ok { Copy::Done } else { Copy::Failed })));
            }
        })
    };
    let open_kafka = {
        let (kafka, open) = (kafka.clone(), open.clone());
        Callback::from(move |_: MouseEvent| {
            open.set(false);
            kafka.set(true);
        })
    };
    let close_kafka = {
        let kafka = kafka.clone();
        Callback::from(move |_: MouseEvent| kafka.set(false))
    };
    let menu = if *open {
        let actions = MenuActions { copy, export: export_json(&ctl), history: download_history(&ctl), import: import_file(&error, l) };
        share_menu(l, &link, &copied, &error, actions)
    } else {
        Html::default()
    };
    let kafka_view = if *kafka { kafka_overlay(l, &ctl, close_kafka) } else { Html::default() };
    html! {
        <div class="share" data-testid="share">
            <button type="button" data-testid="share-open" aria-expanded={open.to_string()} onclick={toggle}>{ label(l, "open") }</button>
            <button type="button" data-testid="kafka-open" title={label(l, "kafka")} onclick={open_kafka}>{ label(l, "kafka_short") }</button>
            { menu }
            { kafka_view }
        </div>
    }
}

/// "Export JSON": downloads the run as a scenario file.
fn export_json(ctl: &Ctl) -> Callback<MouseEvent> {
    let ctl = ctl.clone();
    Callback::from(move |_: MouseEvent| {
        let s = current_scenario(&ctl.engine());
        let _ = download(&format!("{}.json", s.id), "application/json", to_json(&s).as_bytes());
    })
}

/// "Download history": the run's history as JSON lines.
fn download_history(ctl: &Ctl) -> Callback<MouseEvent> {
    let ctl = ctl.clone();
    Callback::from(move |_: MouseEvent| {
        let mut buf = Vec::new();
        let name = {
            let e = ctl.engine();
            let _ = crate::sim::history::write_jsonl(e.sim.history(), e.sim.names(), &mut buf);
            format!("{}-history.jsonl", e.base.id)
        };
        let _ = download(&name, "application/x-ndjson", &buf);
    })
}

/// "Import JSON": opens the chosen scenario file, or says why it cannot.
fn import_file(error: &UseStateHandle<Option<(&'static str, String)>>, l: Lang) -> Callback<Event> {
    let error = error.clone();
    Callback::from(move |e: Event| {
        let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let (error, error2) = (error.clone(), error.clone());
        // Read as bytes, not text: the browser's decoder would turn bad bytes into U+FFFD and the
        // reader would hear about a character instead of the file (the CLI's words).
        let ok = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            let bytes = js_sys::Uint8Array::new(&v).to_vec();
            let parsed = String::from_utf8(bytes)
                .map_err(|e| format!("not UTF-8 text (bad byte at {})", e.utf8_error().valid_up_to()))
                .and_then(|text| parse_scenario(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(s) => open_scenario(&s, l),
                Err(e) => error.set(Some(("import_bad", e))),
            }
        });
        let fail = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| error2.set(Some(("import_read", String::new()))));
        let _ = file.array_buffer().then2(&ok, &fail);
        ok.forget();
        fail.forget();
        input.set_value("");
    })
}

/// The share menu's buttons.
struct MenuActions {
    copy: Callback<MouseEvent>,
    export: Callback<MouseEvent>,
    history: Callback<MouseEvent>,
    import: Callback<Event>,
}

/// The `<iframe>` code that embeds the page at `link` in its compact frame.
fn embed_code(link: &str) -> String {
    let url = if link.is_empty() { String::new() } else { link.replacen("?lang=", "?embed=1&lang=", 1) };
    format!(
        "<iframe src=\"{url}\" title=\"Consistency Lab\" width=\"100%\" height=\"500\" style=\"border:1px solid #ddd;border-radius:10px\" loading=\"lazy\"></iframe>"
    )
}

/// The share menu: the link and its copy button, the embed code, export / import, the history.
fn share_menu(l: Lang, link: &str, copied: &Copy, error: &Option<(&'static str, String)>, a: MenuActions) -> Html {
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            i.select();
        }
    });
    let note = match copied {
        Copy::Idle => Html::default(),
        Copy::Done => html! { <span class="share-note ok" data-testid="copy-done" role="status">{ label(l, "copied") }</span> },
        Copy::Failed => html! { <span class="share-note" data-testid="copy-failed" role="status">{ label(l, "copy_failed") }</span> },
    };
    html! {
        <div class="share-menu" role="dialog" aria-label={label(l, "open")} data-testid="share-menu">
            <label class="share-field">
                <input type="text" readonly=true value={link.to_string()} data-testid="share-url" onfocus={select_all} />
            </label>
            <div class="share-row">
                <button type="button" class="primary" data-testid="copy-link" onclick={a.copy}>{ label(l, "copy") }</button>
                { note }
            </div>
            <p class="muted small">{ label(l, "link_hint") }</p>
            <details>
                <summary>{ label(l, "embed") }</summary>
                <textarea readonly=true rows="4" data-testid="embed-code" value={embed_code(link)} />
            </details>
            <hr />
            <button type="button" data-testid="export-json" onclick={a.export}>{ label(l, "export") }</button>
            <label class="share-import">
                <span>{ label(l, "import") }</span>
                <input type="file" accept=".json,application/json" data-testid="import-json" onchange={a.import} />
            </label>
            if let Some((key, detail)) = error {
                <div class="share-error" role="alert" data-testid="import-error">
                    <strong>{ label(l, key) }</strong>
                    if !detail.is_empty() { <code>{ detail.clone() }</code> }
                </div>
            }
            <button type="button" data-testid="download-history" onclick={a.history}>{ label(l, "history") }</button>
        </div>
    }
}

/// The Kafka settings overlay over the current config.
fn kafka_overlay(l: Lang, ctl: &Ctl, close: Callback<MouseEvent>) -> Html {
    let cfg = Rc::new(ctl.engine().sim.config().clone());
    html! {
        <div class="split-overlay" data-testid="kafka-overlay" role="dialog" aria-modal="true" aria-label={label(l, "kafka")}>
            <div class="split-box">
                <div class="split-head">
                    <span></span>
                    <button type="button" class="split-close" aria-label={label(l, "close")} data-testid="kafka-close" onclick={close}>{ "×" }</button>
                </div>
                <KafkaPanel lang={l} config={cfg} />
            </div>
        </div>
    }
}

// Run by `cargo test --target wasm32-unknown-unknown` (the `ui` module exists only there).
#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every label has both languages and keys are unique.
    #[wasm_bindgen_test]
    fn labels_are_complete() {
        super::super::i18n::check_table(super::LABELS, &[]);
    }
}
