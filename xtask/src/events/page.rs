//! One webhook event page (`docs/webhook events/ContactCreate.md`) read into its parts: the
//! title and first paragraph, the JSON Schema block(s) and the example payloads.
//!
//! The pages are Markdown written by hand, so the reader is forgiving where there is one obvious
//! reading and counts each such repair; a page it cannot read is an error naming the file and
//! line. What it knows of the layout:
//! - a fenced block whose info string says `json_schema` is a schema;
//! - a `json` block under a heading that says "Schema" but with no `json_schema` is a schema
//!   written as a sample of type names (`"id": "string"`) and is turned into one;
//! - a `json` block under a heading that says "Example" is an example payload, labelled by its
//!   heading or by the line just above the fence (`- For Agency Level App Install`);
//! - `` ```json{ `` opens a block whose first character is the `{`.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::{Map, Value};

/// What one page says.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The file, relative to the release root (`docs/webhook events/ContactCreate.md`).
    pub path: String,
    /// The file name without `.md`: the schema's (and the payload type's) name.
    pub stem: String,
    /// The first heading (`Contact`).
    pub title: String,
    /// The first paragraph after the title (`Called whenever a contact is created`).
    pub summary: Option<String>,
    /// The schema blocks, in page order, with their 1-based line.
    pub schemas: Vec<(usize, Value)>,
    /// The example payloads, in page order.
    pub examples: Vec<Example>,
    /// What the page says of each top-level field, by wire name: under a `` ### `name` ``
    /// heading (its bullets, less the `Type:`, `Required:`, `Format:` and `Default:` ones) or in
    /// a `| Field | Type | Description |` table.
    pub field_docs: BTreeMap<String, String>,
}

/// One example payload of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// 1-based line of the fence that opens it.
    pub line: usize,
    /// What the page says the example is (its heading, or the line above the fence).
    pub label: String,
    pub value: Value,
}

/// Repairs made while reading pages, by kind (added to the events' IR statistics).
pub type Repairs = BTreeMap<&'static str, usize>;

/// A fenced block, before it is classified.
struct Block {
    line: usize,
    info: String,
    body: String,
    heading: String,
    /// The last non-empty text line between the heading and the fence.
    lead: Option<String>,
}

/// Reads one page. `path` is shown in messages.
pub fn read(path: &str, text: &str, repairs: &mut Repairs) -> anyhow::Result<Page> {
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".md")
        .to_owned();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = skip_front_matter(&lines);
    let mut title = None;
    let mut summary: Option<String> = None;
    let mut summary_open = false;
    let mut heading = String::new();
    let mut lead = None;
    let mut blocks = Vec::new();
    let mut field: Option<String> = None;
    let mut field_docs: BTreeMap<String, String> = BTreeMap::new();
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            let opened = index + 1;
            let mut info = info.trim().to_owned();
            let mut body = String::new();
            // "```json{": the block's text starts at the brace.
            if let Some(brace) = info.find(['{', '[']) {
                body.push_str(&info[brace..]);
                body.push('\n');
                info.truncate(brace);
                *repairs
                    .entry("example fence with the JSON on its opening line")
                    .or_default() += 1;
            }
            index += 1;
            loop {
                let Some(inner) = lines.get(index) else {
                    bail!(
                        "{path}:{opened}: the code block opened here is never closed (no line of ```)"
                    );
                };
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
                index += 1;
            }
            blocks.push(Block {
                line: opened,
                info,
                body,
                heading: heading.clone(),
                lead: lead.take(),
            });
            summary_open = false;
        } else if let Some(text) = trimmed.strip_prefix('#') {
            let text = text.trim_start_matches('#').trim().to_owned();
            if title.is_none() {
                title = Some(text);
                summary_open = true;
            } else {
                field = field_name(&text).map(str::to_owned);
                heading = text;
                // The first paragraph may sit under an "Overview" heading.
                summary_open = summary.is_none();
            }
            lead = None;
        } else if trimmed.is_empty() {
            if summary.is_some() {
                summary_open = false;
            }
        } else {
            if summary_open && !trimmed.starts_with(['-', '|', '>', '*']) {
                let joined = match summary.take() {
                    Some(before) => format!("{before} {trimmed}"),
                    None => trimmed.to_owned(),
                };
                summary = Some(joined);
            }
            lead = Some(trimmed.trim_start_matches(['-', '*', ' ']).to_owned());
            if let Some(name) = &field {
                let text = trimmed.trim_start_matches(['-', '*', ' ']);
                let kept = !["Type:", "Required:", "Format:", "Default:"]
                    .iter()
                    .any(|label| text.starts_with(label));
                if kept {
                    let doc = field_docs.entry(name.clone()).or_default();
                    if !doc.is_empty() {
                        doc.push('\n');
                    }
                    doc.push_str(trimmed);
                }
            } else if let Some((name, doc)) = table_field(trimmed) {
                field_docs.insert(name.to_owned(), doc.to_owned());
            }
        }
        index += 1;
    }
    let Some(title) = title else {
        bail!("{path}: the page has no `# ` heading: it does not look like a webhook event page");
    };
    let mut page = Page {
        path: path.to_owned(),
        stem,
        title,
        summary,
        schemas: Vec::new(),
        examples: Vec::new(),
        field_docs,
    };
    for block in blocks {
        classify(&mut page, block, repairs)?;
    }
    if page.schemas.is_empty() && page.examples.is_empty() {
        bail!(
            "{path}: the page has neither a schema block (```json json_schema) nor an example under \
             an \"Example\" heading: nothing says what the event carries"
        );
    }
    if page.schemas.is_empty() {
        bail!(
            "{path}: the page has examples but no schema block (```json json_schema): add one with \
             an override's `define` in overrides/webhook-events.yaml, or wait for the page to be fixed"
        );
    }
    Ok(page)
}

/// `name` of a `` `name` `` heading.
fn field_name(heading: &str) -> Option<&str> {
    let name = heading.strip_prefix('`')?.strip_suffix('`')?;
    (!name.is_empty() && !name.contains(['`', ' '])).then_some(name)
}

/// `(name, description)` of a `` | `name` | type | description | `` table row.
fn table_field(line: &str) -> Option<(&str, &str)> {
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    let [name, _, description] = cells[..] else {
        return None;
    };
    Some((field_name(name)?, description)).filter(|(_, description)| !description.is_empty())
}

fn skip_front_matter(lines: &[&str]) -> usize {
    if lines.first().map(|line| line.trim()) != Some("---") {
        return 0;
    }
    match lines.iter().skip(1).position(|line| line.trim() == "---") {
        Some(end) => end + 2,
        None => 0,
    }
}

fn classify(page: &mut Page, block: Block, repairs: &mut Repairs) -> anyhow::Result<()> {
    let words: Vec<&str> = block.info.split_whitespace().collect();
    let is_json = words
        .first()
        .is_some_and(|lang| lang.eq_ignore_ascii_case("json"));
    let heading = block.heading.to_ascii_lowercase();
    let path = &page.path;
    let line = block.line;
    if words.contains(&"json_schema") {
        let value = parse_json(path, line, "schema", &block.body, repairs)?;
        page.schemas.push((line, value));
    } else if is_json && heading.contains("example") {
        let value = parse_json(path, line, "example", &block.body, repairs)?;
        let label = match &block.lead {
            Some(lead) => lead.trim_end_matches([':', '-', ' ']).to_owned(),
            None => block.heading.clone(),
        };
        page.examples.push(Example { line, label, value });
    } else if is_json && heading.contains("schema") {
        let sample = parse_json(path, line, "schema", &block.body, repairs)?;
        let schema = schema_of_sample(&sample).with_context(|| {
            format!(
                "{path}:{line}: the block under \"{}\" is neither a JSON Schema (```json json_schema) \
                 nor a sample of type names (`\"id\": \"string\"`)",
                block.heading
            )
        })?;
        *repairs
            .entry("schema written as a sample of type names")
            .or_default() += 1;
        page.schemas.push((line, schema));
    } else {
        bail!(
            "{path}:{line}: a code block under \"{}\" that is neither a schema (```json json_schema, or \
             under a \"Schema\" heading) nor an example (```json under an \"Example\" heading): the \
             page's layout is new; teach `xtask/src/events/page.rs` to read it",
            block.heading
        );
    }
    Ok(())
}

/// Parses a block, dropping trailing commas (`{"a": 1,}`) when that is all that stops it.
fn parse_json(
    path: &str,
    line: usize,
    what: &str,
    body: &str,
    repairs: &mut Repairs,
) -> anyhow::Result<Value> {
    let error = match serde_json::from_str(body) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Some(fixed) = without_trailing_commas(body) {
        if let Ok(value) = serde_json::from_str(&fixed) {
            *repairs.entry("trailing comma in a JSON block").or_default() += 1;
            return Ok(value);
        }
    }
    bail!(
        "{path}:{}: the {what} block is not JSON: {error}",
        line + error.line()
    )
}

/// `text` without the commas that close a list or object (outside strings), or `None` when it
/// has none.
fn without_trailing_commas(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut dropped = false;
    for (index, &c) in chars.iter().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[index + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                dropped = true;
                continue;
            }
        }
        out.push(c);
    }
    dropped.then_some(out)
}

/// A schema from a sample of type names: `{"id": "string", "tags": ["string"], "p": {..}}`.
fn schema_of_sample(sample: &Value) -> anyhow::Result<Value> {
    Ok(match sample {
        Value::String(name) => match name.as_str() {
            "string" | "number" | "integer" | "boolean" => {
                serde_json::json!({ "type": name })
            }
            other => bail!("`{other}` is not a JSON type name"),
        },
        Value::Array(items) => match items.as_slice() {
            [] => serde_json::json!({ "type": "array" }),
            [item] => serde_json::json!({ "type": "array", "items": schema_of_sample(item)? }),
            _ => bail!("a list sample names more than one item type"),
        },
        Value::Object(fields) => {
            let mut properties = Map::new();
            for (name, value) in fields {
                properties.insert(
                    name.clone(),
                    schema_of_sample(value).with_context(|| format!("at `{name}`"))?,
                );
            }
            serde_json::json!({ "type": "object", "properties": properties })
        }
        other => bail!("`{other}` is not a type name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PAGE: &str = "---\ntags: [Webhook Events]\n---\n\n# Contact\n\nCalled whenever a contact\nis created\n\n#### Schema\n\n```json json_schema\n{\"type\": \"object\", \"properties\": {\"type\": {\"type\": \"string\"},}}\n```\n\n#### Example\n\n- For a location\n\n```json{\n  \"type\": \"ContactCreate\"\n}\n```\n";

    #[test]
    fn reads_title_summary_schema_and_labelled_examples_with_repairs_counted() {
        let mut repairs = Repairs::new();
        let page = read("docs/webhook events/ContactCreate.md", PAGE, &mut repairs).unwrap();
        assert_eq!(page.stem, "ContactCreate");
        assert_eq!(page.title, "Contact");
        assert_eq!(
            page.summary.as_deref(),
            Some("Called whenever a contact is created")
        );
        assert_eq!(
            page.schemas,
            vec![(
                12,
                json!({"type": "object", "properties": {"type": {"type": "string"}}})
            )]
        );
        assert_eq!(page.examples.len(), 1);
        assert_eq!(page.examples[0].label, "For a location");
        assert_eq!(page.examples[0].value, json!({"type": "ContactCreate"}));
        assert_eq!(repairs["trailing comma in a JSON block"], 1);
        assert_eq!(
            repairs["example fence with the JSON on its opening line"],
            1
        );
    }

    #[test]
    fn field_descriptions_come_from_headings_and_tables() {
        let text = "# Record\n\n## Schema\n\n```json json_schema\n{\"type\": \"object\"}\n```\n\n## Field Descriptions\n\n### `key`\n- Type: `string`\n- Required: yes\n- Unique key of the object.\n- **`singular`**: one.\n\n## Explanation of Fields\n\n| Field | Type | Description |\n|---|---|---|\n| `owners` | `array` | Who owns it. |\n| Not a field | x | y |\n";
        let page = read("docs/webhook events/R.md", text, &mut Repairs::new()).unwrap();
        assert_eq!(
            page.field_docs,
            BTreeMap::from([
                (
                    "key".to_owned(),
                    "- Unique key of the object.\n- **`singular`**: one.".to_owned()
                ),
                ("owners".to_owned(), "Who owns it.".to_owned()),
            ])
        );
    }

    #[test]
    fn a_schema_written_as_a_sample_of_type_names_becomes_a_schema() {
        let text = "# User\n\n#### Schema\n\n```json\n{\"id\": \"string\", \"on\": \"boolean\", \"ids\": [\"string\"], \"p\": {\"x\": \"number\"}}\n```\n";
        let mut repairs = Repairs::new();
        let page = read("docs/webhook events/UserCreate.md", text, &mut repairs).unwrap();
        assert_eq!(
            page.schemas[0].1,
            json!({"type": "object", "properties": {
                "id": {"type": "string"},
                "on": {"type": "boolean"},
                "ids": {"type": "array", "items": {"type": "string"}},
                "p": {"type": "object", "properties": {"x": {"type": "number"}}}
            }})
        );
        assert_eq!(repairs["schema written as a sample of type names"], 1);
    }

    #[test]
    fn unreadable_pages_are_errors_naming_the_file_and_line() {
        let mut repairs = Repairs::new();
        let unclosed = "# A\n\n#### Schema\n\n```json json_schema\n{}\n";
        let error = read("docs/webhook events/A.md", unclosed, &mut repairs).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("docs/webhook events/A.md:5: "),
            "{error}"
        );

        let broken = "# A\n\n#### Schema\n\n```json json_schema\n{\"type\": \n```\n";
        let error = read("docs/webhook events/A.md", broken, &mut repairs).unwrap_err();
        assert!(
            error.to_string().contains("the schema block is not JSON"),
            "{error}"
        );

        let stray = "# A\n\n## Notes\n\n```json\n{}\n```\n";
        let error = read("docs/webhook events/A.md", stray, &mut repairs).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("A.md:5: a code block under \"Notes\""),
            "{error}"
        );

        let examples_only = "# A\n\n## Example\n\n```json\n{}\n```\n";
        let error = read("docs/webhook events/A.md", examples_only, &mut repairs).unwrap_err();
        assert!(error.to_string().contains("no schema block"), "{error}");
    }
}
