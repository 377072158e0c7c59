//! What generated docs say: spec prose made safe for rustdoc, and sentences for the items a spec
//! leaves undescribed, derived from where the item is used.

use std::collections::BTreeMap;

use crate::ir::{Api, Body, Response, Ty, TypeKind};

/// Spec prose (Markdown written for a web page) as rustdoc should read it: code blocks, fenced
/// or indented, become ```` ```text ```` blocks so rustdoc never compiles them as Rust, except
/// ```` ```rust ```` ones (the examples of override notes), which stay Rust and which the
/// generated test crate compiles ([`rust_examples`]); bare URLs
/// become `<url>` autolinks; brackets that are not Markdown links are escaped so rustdoc does
/// not take them for intra-doc links. Code spans are left as they are.
pub(super) fn spec_markdown(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\t', "    ");
    let mut out: Vec<String> = Vec::new();
    // The run of backticks or tildes that closes the open fence.
    let mut fence: Option<String> = None;
    let mut indented = false;
    let mut blanks = 0;
    // An indented line starts a code block only after a blank line, a heading or at the start.
    let mut may_start_block = true;
    for line in text.lines() {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if let Some(marker) = &fence {
            out.push(line.to_owned());
            if indent < 4 && closes_fence(trimmed, marker) {
                fence = None;
                may_start_block = true;
            }
            continue;
        }
        if indented {
            if trimmed.trim().is_empty() {
                blanks += 1;
                continue;
            }
            if indent >= 4 {
                out.extend(std::iter::repeat_n(String::new(), blanks));
                out.push(line[4..].to_owned());
                blanks = 0;
                continue;
            }
            out.push("```".to_owned());
            out.extend(std::iter::repeat_n(String::new(), blanks));
            indented = false;
            blanks = 0;
        }
        if indent < 4 {
            if let Some(marker) = opens_fence(trimmed) {
                let info = if trimmed[marker.len()..].trim() == "rust" {
                    "rust"
                } else {
                    "text"
                };
                out.push(format!("{}{marker}{info}", &line[..indent]));
                fence = Some(marker);
                continue;
            }
        }
        if indent >= 4 && may_start_block && !trimmed.trim().is_empty() {
            out.push("```text".to_owned());
            out.push(line[4..].to_owned());
            indented = true;
            continue;
        }
        out.push(inline_markdown(line));
        may_start_block = trimmed.trim().is_empty() || (indent < 4 && trimmed.starts_with('#'));
    }
    if let Some(marker) = fence {
        out.push(marker);
    }
    if indented {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// The code of every ```` ```rust ```` block in `text`: what [`spec_markdown`] keeps as Rust.
pub fn rust_examples(text: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        match &mut open {
            Some(code) if trimmed == "```" => {
                examples.push(code.join("\n"));
                open = None;
            }
            Some(code) => code.push(line),
            None if trimmed == "```rust" => open = Some(Vec::new()),
            None => {}
        }
    }
    examples
}

/// Every ```` ```rust ```` example in the docs of `api`: its operations' and its types'.
pub fn api_rust_examples(api: &Api) -> Vec<String> {
    let operations = api
        .operations
        .iter()
        .flat_map(|op| [op.summary.as_deref(), op.description.as_deref()]);
    let types = api.types.iter().flat_map(|def| {
        let fields: Vec<Option<&str>> = match &def.kind {
            TypeKind::Struct { fields, .. } => {
                fields.iter().map(|field| field.doc.as_deref()).collect()
            }
            _ => Vec::new(),
        };
        std::iter::once(def.doc.as_deref()).chain(fields)
    });
    operations
        .chain(types)
        .flatten()
        .flat_map(rust_examples)
        .collect()
}

/// The closing marker of a fence this line opens: three or more backticks or tildes.
fn opens_fence(trimmed: &str) -> Option<String> {
    let first = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = trimmed.len() - trimmed.trim_start_matches(first).len();
    let info = &trimmed[run..];
    (run >= 3 && !(first == '`' && info.contains('`'))).then(|| first.to_string().repeat(run))
}

fn closes_fence(trimmed: &str, marker: &str) -> bool {
    let first = marker.chars().next().unwrap_or('`');
    let rest = trimmed.trim_start_matches(first);
    trimmed.len() - rest.len() >= marker.len() && rest.trim().is_empty()
}

/// One line outside code blocks: code spans kept, bare URLs wrapped, stray brackets escaped.
fn inline_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            // A code span: a run of backticks up to the same run again, or literal backticks.
            let run = rest.len() - rest.trim_start_matches('`').len();
            let ticks = &rest[..run];
            let span = rest[run..].find(ticks).map_or(run, |end| run + end + run);
            out.push_str(&rest[..span]);
            rest = &rest[span..];
        } else if c == '[' {
            match markdown_link(rest) {
                Some(len) => {
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                }
                None => {
                    out.push_str("\\[");
                    rest = &rest[1..];
                }
            }
        } else if c == ']' {
            out.push_str("\\]");
            rest = &rest[1..];
        } else if (rest.starts_with("https://") || rest.starts_with("http://"))
            && !out.ends_with('<')
            && !out.ends_with("](")
            // An HTML attribute's value (`href="https://.."`) is a link already.
            && !out.ends_with("=\"")
            && !out.ends_with("='")
        {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
                .unwrap_or(rest.len());
            let mut url = &rest[..end];
            loop {
                let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
                let trimmed = match trimmed.strip_suffix(')') {
                    Some(inner) if !inner.contains('(') => inner,
                    _ => trimmed,
                };
                if trimmed.len() == url.len() {
                    break;
                }
                url = trimmed;
            }
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The length of a Markdown link `[text](target)` at the start of `text`, if one is there.
fn markdown_link(text: &str) -> Option<usize> {
    let close = text.find(']')?;
    if text[1..close].contains('[') || !text[close + 1..].starts_with('(') {
        return None;
    }
    let end = text[close..].find(')')?;
    Some(close + end + 1)
}

/// Where each of a crate's types is used: type name -> phrases such as "the body of
/// `POST /contacts/search`" or "the `status` field of [`CreatePostDto`]", in model order.
pub(super) fn usages(api: &Api) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |ty: &Ty, what: &str| {
        if let Some((name, part)) = named_in(ty) {
            found
                .entry(name.to_owned())
                .or_default()
                .push(format!("{part}{what}"));
        }
    };
    for op in &api.operations {
        let call = format!("`{} {}`", op.method.as_str(), op.path);
        match &op.body {
            Some(Body::Json { ty, .. } | Body::Form { ty, .. }) => {
                add(ty, &format!("the body of {call}"))
            }
            Some(Body::Multipart { ty }) => {
                add(&Ty::Named(ty.clone()), &format!("the body of {call}"))
            }
            _ => {}
        }
        if let Response::Json(ty) = &op.response {
            add(ty, &format!("the response to {call}"));
        }
        for param in op.path_params.iter().chain(&op.params) {
            add(
                &param.ty,
                &format!("the `{}` parameter of {call}", param.wire),
            );
        }
    }
    for def in &api.types {
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                for field in fields {
                    add(
                        &field.ty,
                        &format!("the `{}` field of [`{}`]", field.wire, def.name),
                    );
                }
                if let Some(ty) = additional {
                    add(ty, &format!("the other keys of [`{}`]", def.name));
                }
            }
            TypeKind::Untagged { variants } => {
                for (_, ty) in variants {
                    add(ty, &format!("a variant of [`{}`]", def.name));
                }
            }
            // An alias is another name for its type, not a use of it.
            TypeKind::Alias(_) | TypeKind::Enum { .. } => {}
        }
    }
    found
}

/// The crate's own type a type mentions, and how: directly, as list items or as map values.
fn named_in(ty: &Ty) -> Option<(&str, &'static str)> {
    match ty {
        Ty::Named(name) => Some((name, "")),
        Ty::Array(inner) => named_in(inner).map(|(name, _)| (name, "an item of ")),
        Ty::Map(inner) => named_in(inner).map(|(name, _)| (name, "a value of ")),
        _ => None,
    }
}

/// "The body of `POST /a`, the `x` field of [`B`] and 2 more places." from usage phrases.
pub(super) fn usage_sentence(phrases: &[String]) -> Option<String> {
    const SHOWN: usize = 3;
    if phrases.is_empty() {
        return None;
    }
    let mut items: Vec<String> = phrases.iter().take(SHOWN).cloned().collect();
    match phrases.len().saturating_sub(SHOWN) {
        0 => {}
        1 => items.push("1 more place".to_owned()),
        more => items.push(format!("{more} more places")),
    }
    Some(format!("{}.", capitalize(&english_list(&items))))
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn english_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_become_text_blocks() {
        assert_eq!(
            spec_markdown("Run:\n```js\nlet a = [1];\n```\nDone"),
            "Run:\n```text\nlet a = [1];\n```\nDone"
        );
        assert_eq!(
            spec_markdown("  ### Sample:\n    f('x',\n\n      y)\n  ### Next"),
            "  ### Sample:\n```text\nf('x',\n\n  y)\n```\n  ### Next"
        );
        // A paragraph's indented continuation is not a code block; an unclosed fence is closed.
        assert_eq!(spec_markdown("a\n    b"), "a\n    b");
        assert_eq!(spec_markdown("~~~~\nx"), "~~~~text\nx\n~~~~");
    }

    #[test]
    fn urls_and_brackets_are_made_safe() {
        assert_eq!(
            spec_markdown("See https://a.b/c?d=1. Or (http://x.y/z)."),
            "See <https://a.b/c?d=1>. Or (<http://x.y/z>)."
        );
        assert_eq!(
            spec_markdown("[docs](https://a.b) <https://c.d> `[x] https://e.f`"),
            "[docs](https://a.b) <https://c.d> `[x] https://e.f`"
        );
        assert_eq!(
            spec_markdown("<a href=\"https://a.b/c\" target='_blank'>here</a> or 'https://d.e'"),
            "<a href=\"https://a.b/c\" target='_blank'>here</a> or '<https://d.e>'"
        );
        assert_eq!(
            spec_markdown("ids [a, b] or string[]"),
            "ids \\[a, b\\] or string\\[\\]"
        );
    }

    #[test]
    fn usage_sentences_list_three_then_count() {
        let phrases: Vec<String> = ["the body of `POST /a`", "x", "y", "z", "w"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            usage_sentence(&phrases[..1]).unwrap(),
            "The body of `POST /a`."
        );
        assert_eq!(
            usage_sentence(&phrases[..2]).unwrap(),
            "The body of `POST /a` and x."
        );
        assert_eq!(
            usage_sentence(&phrases[..3]).unwrap(),
            "The body of `POST /a`, x and y."
        );
        assert_eq!(
            usage_sentence(&phrases[..4]).unwrap(),
            "The body of `POST /a`, x, y and 1 more place."
        );
        assert_eq!(
            usage_sentence(&phrases).unwrap(),
            "The body of `POST /a`, x, y and 2 more places."
        );
        assert_eq!(usage_sentence(&[]), None);
    }

    #[test]
    fn rust_examples_stay_rust_and_are_collected_other_code_is_text() {
        let text =
            "Intro.\n\n```rust\nfn a() {}\n```\n\n```js\nx()\n```\n\n```rust\nfn b() {}\n```";
        assert_eq!(rust_examples(text), vec!["fn a() {}", "fn b() {}"]);
        let rendered = spec_markdown(text);
        assert!(rendered.contains("```rust\nfn a() {}"), "{rendered}");
        assert!(rendered.contains("```text\nx()"), "{rendered}");
    }
}
