//! Every Rust identifier the generator writes comes from here, so that the same spec name always
//! becomes the same Rust name and no stage invents its own casing rules.

use std::collections::BTreeSet;

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

/// Hands out names unique within one scope (a crate's types, a struct's fields, a client's
/// methods). The first claimant keeps the plain name; later ones get a numeric suffix, so the
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
