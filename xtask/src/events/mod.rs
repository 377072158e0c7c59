//! Stage 1b: HighLevel's webhook event pages (`docs/webhook events/*.md`) read into one
//! OpenAPI document, [`EVENTS_SPEC`], whose component schemas are the events' payloads, one per
//! page, named after the page's file. From there the events take the path a spec takes: the
//! loader (its repairs, and the overrides in `overrides/webhook-events.yaml`), the IR and the
//! type emitter; `emit::events` adds the enum of events keyed by `type` and writes
//! [`EVENTS_FILE`] and the test of every published example, [`EXAMPLES_FILE`].
//!
//! Which `type` a page's event has is read from its examples: the one `type` they all give,
//! when it looks like an event type (an upper-case first letter) and is no other page's name;
//! the page's file name when no example gives a `type`. Otherwise the page does not say, and an
//! override sets [`EXT_EVENT_TYPE`] on its schema with the reason; examples that then disagree
//! with their page are listed in the summary as following the override.
//!
//! [`page`] reads one page; [`schema`] makes its JSON Schema an OpenAPI 3.0 schema.

mod page;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use openapiv3::ReferenceOr;
use serde_json::{Map, Value, json};

pub use page::{Example, Page, Repairs};

use crate::ir::{Api, TypeKind};
use crate::load::LoadedSpec;
use crate::overrides::OverrideFile;
use crate::specs::{SpecFile, SpecSet};

/// Where a release keeps the event pages.
pub const EVENTS_DIR: &str = "docs/webhook events/";

/// The document made of the pages (not a file of the release): its resource, `webhook-events`,
/// names the override file `overrides/webhook-events.yaml`.
pub const EVENTS_SPEC: &str = "docs/webhook-events.json";

/// The crate the events are generated into (`src/webhooks/events.rs`), and their key in the
/// type-name lock.
pub const EVENTS_CRATE: &str = "ghl-runtime";

/// The generated module, relative to the output directory.
pub const EVENTS_FILE: &str = "ghl-runtime/src/webhooks/events.rs";

/// The generated test of every published example, relative to the output directory: a module of
/// the runtime's unit tests, so that it can be left out of `cargo fmt` (`#[rustfmt::skip]` on
/// its declaration; the generator formats it).
pub const EXAMPLES_FILE: &str = "ghl-runtime/src/webhooks/examples.rs";

/// Schema extension: the event's `type` on the wire (`ContactCreate`, `INSTALL`).
pub const EXT_EVENT_TYPE: &str = "x-ghl-event-type";

/// Whether `path` (relative to the release root) is a webhook event page.
pub fn is_page(path: &str) -> bool {
    path.strip_prefix(EVENTS_DIR)
        .is_some_and(|name| name.ends_with(".md") && name.len() > 3 && !name.contains('/'))
}

/// The pages of a release and the document made of them.
#[derive(Debug, Clone)]
pub struct Pages {
    pub pages: Vec<Page>,
    pub repairs: Repairs,
    /// [`EVENTS_SPEC`]: the pages' schemas as an OpenAPI 3.0 document.
    pub document: SpecFile,
}

/// One event, its type settled (after overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The page's file name without `.md`: the schema's name.
    pub stem: String,
    /// The page, for docs and messages.
    pub path: String,
    /// `type` on the wire.
    pub event_type: String,
    /// The payload's type in the model (set by [`build`]).
    pub type_name: String,
    /// What the page says the event is.
    pub summary: Option<String>,
    pub examples: Vec<Example>,
    /// Examples whose `type` is not the event's (the override says which one is followed).
    pub contradictions: Vec<String>,
    /// Examples (by index) that do not survive the types whole, and where; only without an
    /// override file (with one, they are an error). Their tests are left out.
    pub misfits: Vec<(usize, String)>,
}

/// Reads every event page of `set`; `None` when the release has none.
pub fn read(set: &SpecSet) -> anyhow::Result<Option<Pages>> {
    let mut repairs = Repairs::new();
    let mut pages = Vec::new();
    for file in set.files.iter().filter(|file| is_page(&file.path)) {
        let text = std::str::from_utf8(&file.bytes)
            .with_context(|| format!("{}: the page is not UTF-8 text", file.path))?;
        pages.push(page::read(&file.path, text, &mut repairs)?);
    }
    if pages.is_empty() {
        return Ok(None);
    }
    let stems: BTreeSet<&str> = pages.iter().map(|page| page.stem.as_str()).collect();
    let mut schemas = Map::new();
    for page in &pages {
        schemas.insert(page.stem.clone(), page_schema(page, &stems, &mut repairs)?);
    }
    let document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Webhook events",
            "description": "HighLevel's webhook event pages, one schema a page.",
            "version": "1"
        },
        "paths": {},
        "components": { "schemas": schemas }
    });
    let bytes = serde_json::to_vec(&document).context("cannot serialize the events document")?;
    Ok(Some(Pages {
        pages,
        repairs,
        document: SpecFile {
            path: EVENTS_SPEC.to_owned(),
            bytes,
        },
    }))
}

/// A page's payload schema as OpenAPI: its blocks merged and normalized, lists typed from its
/// examples, its docs (first paragraph, field descriptions) and its event type
/// ([`EXT_EVENT_TYPE`], when the page says it).
fn page_schema(
    page: &Page,
    stems: &BTreeSet<&str>,
    repairs: &mut Repairs,
) -> anyhow::Result<Value> {
    let mut merged = merged_schema(page, repairs);
    let pointer = format!("/components/schemas/{}", page.stem);
    schema::normalize(&mut merged, "", repairs).map_err(|error| {
        anyhow::anyhow!(
            "{}: the schema block at {error} (read as {EVENTS_SPEC}#{pointer})",
            page.path
        )
    })?;
    let examples: Vec<&Value> = page.examples.iter().map(|example| &example.value).collect();
    schema::items_from_examples(&mut merged, &examples, repairs);
    if let Some(Value::Object(properties)) = merged.get_mut("properties") {
        for (name, doc) in &page.field_docs {
            // One bullet is a sentence, not a list.
            let doc = match doc.strip_prefix("- ") {
                Some(sentence) if !doc.contains('\n') => sentence,
                _ => doc,
            };
            if let Some(Value::Object(property)) = properties.get_mut(name) {
                property
                    .entry("description")
                    .or_insert_with(|| Value::String(doc.to_owned()));
            }
        }
    }
    if let Some(object) = merged.as_object_mut() {
        if let Some(summary) = &page.summary {
            object
                .entry("description")
                .or_insert_with(|| Value::String(summary.clone()));
        }
        match inferred_type(page, stems) {
            Inferred::Type(event_type) => {
                object.insert(EXT_EVENT_TYPE.to_owned(), Value::String(event_type));
            }
            Inferred::FileName => {
                object.insert(EXT_EVENT_TYPE.to_owned(), Value::String(page.stem.clone()));
                *repairs
                    .entry("event type from the page's file name (no example gives one)")
                    .or_default() += 1;
            }
            Inferred::Unsaid => {}
        }
    }
    Ok(merged)
}

/// The page's schema: its one block, or its blocks' properties together (a message page has a
/// schema for messages and one for emails; one payload type carries either).
fn merged_schema(page: &Page, repairs: &mut Repairs) -> Value {
    let mut blocks = page.schemas.iter().map(|(_, schema)| schema.clone());
    let mut merged = blocks.next().unwrap_or_else(|| json!({"type": "object"}));
    for other in blocks {
        *repairs
            .entry("schema blocks of one page merged")
            .or_default() += 1;
        let (Some(into), Some(Value::Object(extra))) = (
            merged
                .as_object_mut()
                .and_then(|object| object.get_mut("properties"))
                .and_then(Value::as_object_mut),
            other.get("properties").cloned(),
        ) else {
            continue;
        };
        for (name, property) in extra {
            into.entry(name).or_insert(property);
        }
    }
    merged
}

enum Inferred {
    Type(String),
    FileName,
    Unsaid,
}

/// The event type a page's examples give, by the rule in the module docs.
fn inferred_type(page: &Page, stems: &BTreeSet<&str>) -> Inferred {
    let given: BTreeSet<&str> = page
        .examples
        .iter()
        .filter_map(|example| example.value.get("type").and_then(Value::as_str))
        .collect();
    let typed = page
        .examples
        .iter()
        .filter(|example| example.value.get("type").is_some())
        .count();
    if typed == 0 {
        return Inferred::FileName;
    }
    match given.iter().next() {
        Some(&only)
            if given.len() == 1
                && typed == page.examples.len()
                && only.starts_with(|c: char| c.is_ascii_uppercase())
                && (only == page.stem || !stems.contains(only)) =>
        {
            Inferred::Type(only.to_owned())
        }
        _ => Inferred::Unsaid,
    }
}

/// The events of the loaded document (overrides applied), in page order: each with its type,
/// checked to be one a page. `strict` (an override file is given): a page that does not say
/// its type is an error asking for an override; else (`--no-overrides`, the diff) its file name
/// is taken and the examples that disagree are listed.
pub fn events(pages: &Pages, loaded: &LoadedSpec, strict: bool) -> anyhow::Result<Vec<Event>> {
    let schemas = loaded
        .document
        .components
        .as_ref()
        .map(|components| &components.schemas);
    let mut events = Vec::new();
    let mut owners: BTreeMap<String, &str> = BTreeMap::new();
    for page in &pages.pages {
        let extension = schemas
            .and_then(|schemas| schemas.get(&page.stem))
            .and_then(|schema| match schema {
                ReferenceOr::Item(schema) => schema.schema_data.extensions.get(EXT_EVENT_TYPE),
                ReferenceOr::Reference { .. } => None,
            });
        let given: Vec<String> = page
            .examples
            .iter()
            .map(|example| match example.value.get("type") {
                Some(Value::String(kind)) => format!("`{kind}`"),
                Some(other) => format!("{other}"),
                None => "no `type`".to_owned(),
            })
            .collect();
        let event_type = match extension.and_then(Value::as_str) {
            Some(event_type) => event_type,
            None if !strict => page.stem.as_str(),
            None => bail!(
                "{}: the page does not say which `type` its event has: its examples give {} \
                 (the rule: the one `type` all examples give, when it starts with an upper-case \
                 letter and is no other page's name). Say which in overrides/webhook-events.yaml:\n  \
                 - reason: <why>\n    schema: {}\n    merge: {{ {EXT_EVENT_TYPE}: <the type> }}",
                page.path,
                given.join(", "),
                page.stem
            ),
        };
        if let Some(other) = owners.insert(event_type.to_owned(), &page.path) {
            bail!(
                "{other} and {} both describe the event `{event_type}`: one `type` is one event. \
                 Say which `type` each has in overrides/webhook-events.yaml ({EXT_EVENT_TYPE})",
                page.path
            );
        }
        let contradictions = page
            .examples
            .iter()
            .filter_map(|example| {
                let kind = example.value.get("type")?;
                (kind.as_str() != Some(event_type)).then(|| {
                    format!(
                        "{}:{}: example \"{}\" gives `type` {kind}, the event is `{event_type}`",
                        page.path, example.line, example.label
                    )
                })
            })
            .collect();
        events.push(Event {
            stem: page.stem.clone(),
            path: page.path.clone(),
            event_type: event_type.to_owned(),
            type_name: String::new(),
            summary: page.summary.clone(),
            examples: page.examples.clone(),
            contradictions,
            misfits: Vec::new(),
        });
    }
    Ok(events)
}

/// The events' model: their payload types (a model with no operations) and the events.
#[derive(Debug)]
pub struct Model {
    pub api: Api,
    pub events: Vec<Event>,
}

/// The pages through the loader (repairs, `overrides`) and the IR: the payload types, each event
/// with its type, every example checked to survive the types whole.
pub fn build(
    pages: &Pages,
    overrides: Option<&OverrideFile>,
    locked: &BTreeMap<String, String>,
) -> anyhow::Result<(Model, usize)> {
    let loaded = crate::load::load(&pages.document, overrides)?;
    let strict = overrides.is_some();
    let mut events = events(pages, &loaded, strict)?;
    let mut api = crate::ir::build(&loaded, None, locked).map_err(|error| {
        let page = error
            .pointer
            .strip_prefix("/components/schemas/")
            .and_then(|rest| rest.split('/').next())
            .map(|stem| format!(" (the schema of {EVENTS_DIR}{stem}.md)"))
            .unwrap_or_default();
        anyhow::anyhow!("{error}{page}")
    })?;
    api.crate_name = EVENTS_CRATE.to_owned();
    api.title = "Webhook events".to_owned();
    for (repair, count) in &pages.repairs {
        *api.stats.repairs.entry(repair).or_default() += count;
    }
    let mut misfits = Vec::new();
    for event in &mut events {
        let origin = format!("#/components/schemas/{}", event.stem);
        let Some(def) = api.types.iter().find(|def| def.origin.ends_with(&origin)) else {
            bail!(
                "{}: the page's schema made no type (generator bug)",
                event.path
            );
        };
        let is_object = match &def.kind {
            TypeKind::Struct { additional, .. } => additional.is_some(),
            TypeKind::Alias(crate::ir::Ty::Named(_)) => true,
            _ => false,
        };
        if !is_object {
            bail!(
                "{}: the page's schema is not an object with properties, so its payload cannot be \
                 typed; fix it with an override in overrides/webhook-events.yaml",
                event.path
            );
        }
        event.type_name = def.name.clone();
        let mut found = Vec::new();
        for (index, example) in event.examples.iter().enumerate() {
            for misfit in example_misfits(&api, &def.name, &example.value) {
                found.push((
                    index,
                    format!(
                        "{}:{}: example \"{}\" at {misfit}",
                        event.path, example.line, example.label
                    ),
                ));
            }
        }
        if strict {
            misfits.extend(found.into_iter().map(|(_, misfit)| misfit));
        } else {
            event.misfits = found;
        }
    }
    for def in &mut api.types {
        def.origin = page_origin(&def.origin);
        for also in &mut def.also {
            *also = page_origin(also);
        }
    }
    if !misfits.is_empty() {
        bail!(
            "{} place(s) in the webhook event examples contradict their page's schema, so the \
             examples would not survive the generated types whole:\n  - {}\nSay which one is \
             right with an override of the schema in overrides/webhook-events.yaml (`replace` or \
             `merge` on the property), with the reason",
            misfits.len(),
            misfits.join("\n  - ")
        );
    }
    Ok((Model { api, events }, loaded.overrides_applied))
}

/// Where an example payload would not survive the payload type `name` whole. As the runtime
/// does with a delivery, a top-level key sent as `null` is kept among the unknown keys, so it
/// survives; a `null` deeper down reads as `None` and would be lost.
fn example_misfits(api: &Api, name: &str, example: &Value) -> Vec<String> {
    let Some(object) = example.as_object() else {
        return vec!["/: an object expected".to_owned()];
    };
    let mut present = object.clone();
    present.retain(|_, value| !value.is_null());
    crate::examples::Types::of(std::slice::from_ref(api)).misfits(
        &api.crate_name,
        &Value::Object(present),
        &crate::ir::Ty::Named(name.to_owned()),
        crate::examples::Nulls::RoundTrip,
    )
}

/// What `regen` says about the events: how many, what was repaired, and every example that
/// gives another `type` than its event's (following `overrides/webhook-events.yaml`).
pub fn report(model: &Model) -> String {
    // Examples that would not survive the types (only without an override file) are not tested.
    let examples: usize = model
        .events
        .iter()
        .map(|event| {
            let untested: BTreeSet<usize> = event.misfits.iter().map(|(at, _)| *at).collect();
            event.examples.len() - untested.len()
        })
        .sum();
    let structs = model
        .api
        .types
        .iter()
        .filter(|def| !matches!(def.kind, TypeKind::Alias(_)))
        .count();
    let contradictions: Vec<&String> = model
        .events
        .iter()
        .flat_map(|event| &event.contradictions)
        .collect();
    let mut text = format!(
        "webhook events: {} from {EVENTS_DIR}*.md, {} types ({structs} structs), {examples} examples \
         tested; page defects absorbed: {}",
        model.events.len(),
        model.api.types.len(),
        crate::summary::counts(&model.api.stats.repairs)
    );
    let misfits: Vec<&String> = model
        .events
        .iter()
        .flat_map(|event| event.misfits.iter().map(|(_, misfit)| misfit))
        .collect();
    if !misfits.is_empty() {
        text.push_str(&format!(
            "\nwebhook event examples that contradict their schema ({}), not tested:",
            misfits.len()
        ));
        for misfit in misfits {
            text.push_str(&format!("\n  {misfit}"));
        }
    }
    if !contradictions.is_empty() {
        text.push_str(&format!(
            "\nwebhook event examples whose `type` is not their event's ({}), following overrides/webhook-events.yaml (or, without it, the page's file name):",
            contradictions.len()
        ));
        for contradiction in contradictions {
            text.push_str(&format!("\n  {contradiction}"));
        }
    }
    text
}

/// Where a type of the events document comes from, said as a place in its page:
/// `docs/webhook events/ContactCreate.md#/properties/customFields/items`.
fn page_origin(origin: &str) -> String {
    let prefix = format!("{EVENTS_SPEC}#/components/schemas/");
    let Some(rest) = origin.strip_prefix(&prefix) else {
        return origin.to_owned();
    };
    let (stem, pointer) = rest.split_once('/').unwrap_or((rest, ""));
    let stem = stem.replace("~1", "/").replace("~0", "~");
    if pointer.is_empty() {
        format!("{EVENTS_DIR}{stem}.md")
    } else {
        format!("{EVENTS_DIR}{stem}.md#/{pointer}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pages: &[(&str, &str)]) -> SpecSet {
        SpecSet {
            origin: "test".to_owned(),
            commit: None,
            files: pages
                .iter()
                .map(|(name, text)| SpecFile {
                    path: format!("{EVENTS_DIR}{name}.md"),
                    bytes: text.as_bytes().to_vec(),
                })
                .collect(),
        }
    }

    fn page(examples: &[&str]) -> String {
        let mut text = "# Event\n\nCalled whenever it happens\n\n#### Schema\n\n```json json_schema\n{\"type\": \"object\", \"properties\": {\"type\": {\"type\": \"string\"}}}\n```\n".to_owned();
        for example in examples {
            text.push_str(&format!("\n#### Example\n\n```json\n{example}\n```\n"));
        }
        text
    }

    fn event_type(pages: &Pages, stem: &str) -> Option<String> {
        let document: Value = serde_json::from_slice(&pages.document.bytes).unwrap();
        document["components"]["schemas"][stem][EXT_EVENT_TYPE]
            .as_str()
            .map(str::to_owned)
    }

    #[test]
    fn the_event_type_comes_from_the_examples_or_the_file_name_or_nowhere() {
        let pages = read(&set(&[
            (
                "AppInstall",
                &page(&[r#"{"type": "INSTALL"}"#, r#"{"type": "INSTALL"}"#]),
            ),
            ("InvoiceCreate", &page(&[r#"{"_id": "1"}"#])),
            (
                "AppointmentCreate",
                &page(&[r#"{"type": "AppointmentCreate"}"#]),
            ),
            (
                "AppointmentDelete",
                &page(&[r#"{"type": "AppointmentCreate"}"#]),
            ),
            ("PriceDelete", &page(&[r#"{"type": "one_time"}"#])),
            (
                "Inbound",
                &page(&[r#"{"type": "Inbound"}"#, r#"{"type": "Outbound"}"#]),
            ),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(event_type(&pages, "AppInstall").as_deref(), Some("INSTALL"));
        assert_eq!(
            event_type(&pages, "InvoiceCreate").as_deref(),
            Some("InvoiceCreate")
        );
        assert_eq!(
            event_type(&pages, "AppointmentCreate").as_deref(),
            Some("AppointmentCreate")
        );
        assert_eq!(
            event_type(&pages, "AppointmentDelete"),
            None,
            "another page's name"
        );
        assert_eq!(event_type(&pages, "PriceDelete"), None, "not an event type");
        assert_eq!(event_type(&pages, "Inbound"), None, "the examples disagree");
        assert_eq!(
            pages.repairs["event type from the page's file name (no example gives one)"],
            1
        );
    }

    #[test]
    fn a_release_without_pages_has_no_events() {
        assert!(read(&set(&[])).unwrap().is_none());
    }
}
