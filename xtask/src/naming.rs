//! Every Rust identifier the generator writes comes from here, so that the same spec name always
//! becomes the same Rust name and no stage invents its own casing rules.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves (strict and reserved, 2024 edition). A field or argument with one of these
/// names gets a trailing underscore; `r#` identifiers read badly in generated code.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code itself uses unqualified; a schema with one of these names would
/// shadow them, so it gets a `Model` suffix instead.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Self",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "BTreeMap",
    "Value",
    "Client",
    "CallFuture",
    "Error",
    "Request",
    "Multipart",
    "FilePart",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Deserialize",
    "Serialize",
    "Deserializer",
    "Serializer",
    "Formatter",
    "Method",
];

/// Type names generated code uses unqualified (and `Self`): a builder or type must not take
/// one of them.
pub fn reserved_type_names() -> &'static [&'static str] {
    RESERVED_TYPE_NAMES
}

/// The name of a schema the spec names itself: [`type_name`], cut at a word to
/// [`MAX_TYPE_NAME`] (`...SuccessfulResponseDto` -> `...SuccessfulResponse`).
pub fn schema_type_name(raw: &str) -> String {
    cut_at_word(&type_name(raw), MAX_TYPE_NAME)
}

/// `BlogPostDTO` -> `BlogPostDto`; `13-17` -> `X13To17`-style safe names; never empty.
pub fn type_name(raw: &str) -> String {
    let camel = spelled_out(raw).to_upper_camel_case();
    let name = match camel.chars().next() {
        None => "Unnamed".to_owned(),
        Some(first) if first.is_ascii_digit() => format!("X{camel}"),
        Some(_) => camel,
    };
    if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        format!("{name}Model")
    } else {
        name
    }
}

/// `locationId` -> `location_id`, `type` -> `type_`, `13-17` -> `x13_17`, `_id` -> `id`.
pub fn field_name(raw: &str) -> String {
    let snake = spelled_out(raw).to_snake_case();
    let name = match snake.chars().next() {
        None => "value".to_owned(),
        Some(first) if first.is_ascii_digit() => format!("x{snake}"),
        Some(_) => snake,
    };
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// `check-url-slug-exists` -> `check_url_slug_exists`; same rules as fields.
pub fn function_name(raw: &str) -> String {
    field_name(raw)
}

/// An enum variant for a wire value: `in_review` -> `InReview`, `+1` -> `Plus1`, `` -> `Empty`.
pub fn variant_name(raw: &str) -> String {
    if raw.is_empty() {
        return "Empty".to_owned();
    }
    let camel = spelled_out(raw).to_upper_camel_case();
    match camel.chars().next() {
        None => "Symbol".to_owned(),
        Some(first) if first.is_ascii_digit() => format!("V{camel}"),
        Some(_) if camel == "Self" => "SelfValue".to_owned(),
        Some(_) => camel,
    }
}

/// `blogs.json` -> `ghl-blogs`; `social-media-posting` -> `ghl-social-media-posting`.
pub fn crate_name(resource: &str) -> String {
    format!("ghl-{}", resource.to_snake_case().replace('_', "-"))
}

/// The Rust path of a crate name: `ghl-blogs` -> `ghl_blogs`.
pub fn crate_ident(crate_name: &str) -> String {
    crate_name.replace('-', "_")
}

/// `social-media-posting` -> `SocialMediaPostingClient`.
pub fn client_type_name(resource: &str) -> String {
    format!("{}Client", resource.to_upper_camel_case())
}

/// Symbols that carry meaning in wire values but vanish under case conversion.
fn spelled_out(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (index, ch) in raw.chars().enumerate() {
        let word = match ch {
            '+' if index == 0 => Some("plus "),
            '-' if index == 0 => Some("minus "),
            '+' => Some(" plus "),
            '<' => Some(" lt "),
            '>' => Some(" gt "),
            '=' => Some(" eq "),
            '&' => Some(" and "),
            '@' => Some(" at "),
            '%' => Some(" percent "),
            '*' => Some(" star "),
            '#' => Some(" hash "),
            _ => None,
        };
        match word {
            Some(word) => out.push_str(word),
            None if ch.is_alphanumeric() => out.push(ch),
            None => out.push(' '),
        }
    }
    out
}

/// The longest type name the generator writes.
pub const MAX_TYPE_NAME: usize = 48;

/// Names for an inline type at `path` (see `ir::TypeDef::paths`), best first, none longer than
/// [`MAX_TYPE_NAME`]: the whole path; else its first segment with as many of the last as fit;
/// else as many of the last as fit; else the last, cut at a word boundary.
pub fn path_candidates(path: &[String]) -> Vec<String> {
    // Cased one by one, checked as whole names: `Method` is only reserved on its own.
    let segments: Vec<String> = path
        .iter()
        .map(|segment| spelled_out(segment).to_upper_camel_case())
        .collect();
    let mut out = Vec::new();
    let mut push = |name: String| {
        if name.len() <= MAX_TYPE_NAME && !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    };
    push(type_name(&segments.concat()));
    if let Some((root, rest)) = segments.split_first() {
        for start in 1..rest.len() {
            push(type_name(&format!("{root}{}", rest[start..].concat())));
        }
        for start in 0..rest.len() {
            push(type_name(&rest[start..].concat()));
        }
    }
    if out.is_empty() {
        let last = segments
            .last()
            .cloned()
            .unwrap_or_else(|| "Unnamed".to_owned());
        out.push(cut_at_word(&last, MAX_TYPE_NAME));
    }
    out
}

/// Property names too general to name a type on their own.
const GENERIC_WORDS: &[&str] = &[
    "Type", "Data", "Value", "Item", "Items", "Meta", "Result", "Results", "Response", "Body",
    "Details", "Info", "Object", "Status", "Name", "Id", "Kind", "Mode", "Source",
];

/// Names for one type merged from several places, best first: what the places have in common.
/// The most common last property name (`AltType`, `Country`); the longest run of trailing
/// segments every path shares; for types that sit directly in operations
/// (`DeleteNoteResponse`, `DeleteTagResponse`), the words their names share
/// (`DeleteResponse`). None is longer than [`MAX_TYPE_NAME`].
pub fn shared_candidates(paths: &[Vec<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: String| {
        if name.len() <= MAX_TYPE_NAME && !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    };
    let named_paths = || paths.iter().filter(|path| path.len() > 1);
    let last = most_common(
        named_paths()
            .filter_map(|path| path.last())
            .map(|last| type_name(&spelled_out(last).to_upper_camel_case())),
    );
    if let Some((_, name)) = last {
        if GENERIC_WORDS.contains(&name.as_str()) {
            // `Type` says little: the property with what holds it (`DiscountType`) first, when
            // places share that.
            let tail =
                most_common(named_paths().map(|path| type_name(&path[path.len() - 2..].concat())));
            if let Some((_, tail)) = tail.filter(|(count, _)| *count > 1) {
                push(tail);
            }
        }
        push(name);
    }
    let shortest = paths.iter().map(Vec::len).min().unwrap_or(0);
    let shared_tail = (0..shortest)
        .take_while(|&back| {
            let segment = |path: &Vec<String>| path[path.len() - 1 - back].clone();
            paths.iter().all(|path| segment(path) == segment(&paths[0]))
        })
        .count();
    if shared_tail > 0 && shared_tail < shortest.max(1) {
        for take in (2..=shared_tail).rev() {
            let first = &paths[0];
            push(type_name(&first[first.len() - take..].concat()));
        }
    }
    if paths.iter().all(|path| path.len() == 1) {
        let words: Vec<Vec<String>> = paths.iter().map(|path| camel_words(&path[0])).collect();
        let prefix = shared_words(&words, false);
        let suffix = shared_words(&words, true);
        let shortest_words = words.iter().map(Vec::len).min().unwrap_or(0);
        if !prefix.is_empty() && !suffix.is_empty() && prefix.len() + suffix.len() <= shortest_words
        {
            push(format!("{}{}", prefix.concat(), suffix.concat()));
        }
    }
    out
}

/// The name given most often (ties: the first in order) and how often.
fn most_common(names: impl Iterator<Item = String>) -> Option<(usize, String)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(name, count)| (count, name))
        .min_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)))
}

/// The words of an UpperCamel name: `DeleteNoteResponse` -> `Delete`, `Note`, `Response`.
fn camel_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for ch in name.chars() {
        match words.last_mut() {
            Some(word) if !ch.is_ascii_uppercase() => word.push(ch),
            _ => words.push(ch.to_string()),
        }
    }
    words
}

/// The words every name starts with (or, `from_end`, ends with).
fn shared_words(words: &[Vec<String>], from_end: bool) -> Vec<String> {
    let Some(first) = words.first() else {
        return Vec::new();
    };
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let at = |list: &Vec<String>, i: usize| {
        if from_end {
            list[list.len() - 1 - i].clone()
        } else {
            list[i].clone()
        }
    };
    let count = (0..shortest)
        .take_while(|&i| words.iter().all(|list| at(list, i) == at(first, i)))
        .count();
    let mut shared: Vec<String> = (0..count).map(|i| at(first, i)).collect();
    if from_end {
        shared.reverse();
    }
    shared
}

/// `name` cut to at most `max` bytes, at the end of a word when one fits.
fn cut_at_word(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let mut out = String::new();
    for word in camel_words(name) {
        if out.len() + word.len() > max {
            break;
        }
        out.push_str(&word);
    }
    if out.is_empty() {
        name.chars().take(max).collect()
    } else {
        out
    }
}

/// Hands out names unique within one scope (a crate's types, a struct's fields, a client's
/// methods). The first claimant keeps the plain name; later ones get a numeric suffix, so the
/// Whether Rust reserves `name` (strict or reserved keyword, e.g. `type`, `self`).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// result depends only on the (sorted) order of claims.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope where `reserved` names are already taken (e.g. `new` on a client).
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// Claims `name`, or `name2`, `name3`... (`name_2` for snake_case names).
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_owned()) {
            return name.to_owned();
        }
        let separator = if name.contains('_') || name.chars().all(|c| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{name}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_default()
    }

    /// Gives a claimed name back (a tentative claim that turned out not to be needed).
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_upper_camel_and_safe() {
        assert_eq!(
            type_name("BlogPostCreateResponseWrapperDTO"),
            "BlogPostCreateResponseWrapperDto"
        );
        assert_eq!(type_name("create-blog-post"), "CreateBlogPost");
        assert_eq!(type_name("13-17"), "X1317");
        assert_eq!(type_name("Result"), "ResultModel");
        assert_eq!(type_name(""), "Unnamed");
        assert_eq!(
            schema_type_name("CreateDeleteCantactsCampaignsSuccessfulResponseDto"),
            "CreateDeleteCantactsCampaignsSuccessfulResponse"
        );
    }

    #[test]
    fn field_names_are_snake_and_never_keywords() {
        assert_eq!(field_name("locationId"), "location_id");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("13-17"), "x13_17");
        assert_eq!(field_name("_id"), "id");
        assert_eq!(field_name("$key"), "key");
        assert_eq!(field_name("@"), "at");
    }

    #[test]
    fn variants_survive_symbols_and_digits() {
        assert_eq!(variant_name("in_review"), "InReview");
        assert_eq!(variant_name("DRAFT"), "Draft");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(variant_name("18-24"), "V1824");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("<="), "LtEq");
        assert_eq!(variant_name("Self"), "SelfValue");
    }

    #[test]
    fn crate_and_client_names_follow_the_file() {
        assert_eq!(
            crate_name("social-media-posting"),
            "ghl-social-media-posting"
        );
        assert_eq!(
            crate_ident("ghl-social-media-posting"),
            "ghl_social_media_posting"
        );
        assert_eq!(client_type_name("saas-api"), "SaasApiClient");
    }

    fn path(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn long_paths_keep_their_root_and_their_last_segments() {
        let long = path(&[
            "GetSocialMediaStatisticsResponse",
            "Results",
            "Breakdowns",
            "Impressions",
            "PlatformsValue",
        ]);
        let candidates = path_candidates(&long);
        assert_eq!(
            candidates[0],
            "GetSocialMediaStatisticsResponsePlatformsValue"
        );
        assert!(candidates.iter().all(|name| name.len() <= MAX_TYPE_NAME));
        assert!(candidates.contains(&"ImpressionsPlatformsValue".to_owned()));
        assert_eq!(path_candidates(&path(&["Post", "Author"]))[0], "PostAuthor");
        assert_eq!(
            path_candidates(&path(&["Holder", "Method"]))[0],
            "HolderMethod"
        );
        assert_eq!(
            path_candidates(&path(&["Holder", "Method"]))[1],
            "MethodModel"
        );
        let huge = "Word".repeat(20);
        assert_eq!(path_candidates(&path(&[&huge])), ["Word".repeat(12)]);
    }

    #[test]
    fn merged_types_are_named_after_what_their_places_share() {
        let alt = [
            path(&["CreateInvoiceDto", "AltType"]),
            path(&["UpdateInvoiceDto", "AltType"]),
            path(&["ListInvoicesAltType"]),
        ];
        assert_eq!(shared_candidates(&alt)[0], "AltType");
        let countries = [
            path(&["Business", "Address", "Country"]),
            path(&["Contact", "Country"]),
            path(&["Rates", "AmountAvailable"]),
        ];
        assert_eq!(shared_candidates(&countries)[0], "Country");
        let types = [
            path(&["Coupon", "Discount", "Type"]),
            path(&["Order", "Discount", "Type"]),
            path(&["Price", "Type"]),
        ];
        assert_eq!(shared_candidates(&types)[..2], ["DiscountType", "Type"]);
        let totals = [
            path(&["Stats", "Gender", "Totals"]),
            path(&["Other", "Gender", "Totals"]),
        ];
        assert_eq!(shared_candidates(&totals), ["Totals", "GenderTotals"]);
        let responses = [path(&["DeleteNoteResponse"]), path(&["DeleteTagResponse"])];
        assert_eq!(shared_candidates(&responses), ["DeleteResponse"]);
        let unrelated = [path(&["GetTagResponse"]), path(&["ListNotesResponse"])];
        assert!(shared_candidates(&unrelated).is_empty());
    }

    #[test]
    fn scope_suffixes_later_claims_deterministically() {
        let mut scope = Scope::with_reserved(&["new"]);
        assert_eq!(scope.claim("id"), "id");
        assert_eq!(scope.claim("id"), "id_2");
        assert_eq!(scope.claim("new"), "new_2");
        assert_eq!(scope.claim("ContactDto"), "ContactDto");
        assert_eq!(scope.claim("ContactDto"), "ContactDto2");
    }
}
