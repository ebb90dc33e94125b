//! "Real Kafka settings": the producer, topic, consumer, Debezium connector and event-bus
//! properties equivalent to the running config ([`crate::sim::kafka_props`]), with a note per
//! setting in the page's language and the whole thing as copyable `.properties` text.
//! Self-contained: it reads a `Config` and holds no other state.
//!
//! # Wiring
//!
//! ```ignore
//! use crate::ui::kafka_panel::KafkaPanel;
//! html! {
//!     <KafkaPanel
//!         lang={lang}                  // crate::ui::i18n::Lang
//!         config={Rc::new(cfg.clone())} // Rc<crate::sim::config::Config>: the config in force
//!                                       // (after `set` commands), e.g. the view snapshot's cfg
//!     />
//! }
//! ```
//!
//! It re-renders only when `lang` or the config changes (the props compare by value).
//! CSS classes: `kafka`, `kafka-section`, `kafka-table`, `kafka-key`, `kafka-value`,
//! `kafka-note`, `kafka-practice` (rows that are code, not properties), `kafka-text`.

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use crate::sim::config::Config;
use crate::sim::kafka_props::for_config;

/// The panel's own labels: (key, Korean, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "실제 Kafka 설정으로 옮기면", "The same setup in real Kafka"),
    (
        "intro",
        "지금 설정과 같은 동작을 내는 실제 프로듀서·토픽·컨슈머·Debezium 설정입니다. 모델은 시간을 줄여 쓰므로(예: 세션 600 ms), 값은 실제 권장값이고 차이는 설명에 적었습니다.",
        "The real producer, topic, consumer and Debezium settings that behave like the current config. The model compresses time (a 600 ms session, …), so values are the real ones and notes say where the model differs.",
    ),
    ("key", "설정", "Setting"),
    ("value", "값", "Value"),
    ("note", "설명", "Why"),
    ("text", ".properties로 보기 (복사용)", "As .properties text (to copy)"),
    ("practice", "코드로 하는 일", "done in code"),
];

fn label(lang: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, lang, key)
}

/// Properties of [`KafkaPanel`].
#[derive(Properties, PartialEq)]
pub struct KafkaPanelProps {
    /// The page's language.
    pub lang: Lang,
    /// The config to translate.
    pub config: Rc<Config>,
}

/// The settings panel (see the module docs for wiring).
#[function_component(KafkaPanel)]
pub fn kafka_panel(p: &KafkaPanelProps) -> Html {
    let l = p.lang;
    let ko = l == Lang::Ko;
    let props = use_memo(p.config.clone(), |c| for_config(c));
    let sections = props.sections.iter().map(|s| {
        let rows = s.props.iter().map(|prop| {
            let note = if ko { &prop.note_ko } else { &prop.note_en };
            let class = if prop.is_property { "" } else { "kafka-practice" };
            let key = if prop.is_property {
                html! { <code>{ &prop.key }</code> }
            } else {
                html! { <span title={label(l, "practice")}>{ &prop.key }</span> }
            };
            html! {
                <tr class={class}>
                    <td class="kafka-key">{ key }</td>
                    <td class="kafka-value"><code>{ &prop.value }</code></td>
                    <td class="kafka-note">{ note }</td>
                </tr>
            }
        });
        html! {
            <section class="kafka-section">
                <h4>{ if ko { &s.title_ko } else { &s.title_en } }</h4>
                <table class="kafka-table">
                    <thead><tr>
                        <th>{ label(l, "key") }</th><th>{ label(l, "value") }</th><th>{ label(l, "note") }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </section>
        }
    });
    html! {
        <div class="kafka">
            <h3>{ label(l, "title") }</h3>
            <p>{ label(l, "intro") }</p>
            { for sections }
            <details>
                <summary>{ label(l, "text") }</summary>
                <pre class="kafka-text">{ props.to_properties_text_in(ko) }</pre>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every label has both languages and keys are unique. (The `ui` module exists only on
    /// wasm32, so this runs in the browser level.)
    #[wasm_bindgen_test]
    fn labels_are_complete() {
        super::super::i18n::check_table(super::LABELS, &[]);
    }
}
