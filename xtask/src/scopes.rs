//! Stage 1c: HighLevel's OAuth scope table (`docs/oauth/Scopes.md`): every scope with the
//! routes it opens, the webhook events it delivers and the tokens that may hold it. It becomes the
//! runtime's `Scope` type ([`SCOPE_FILE`]) and is held against the specs' own `security`.
//!
//! The specs and the table do not always agree. The rule: an operation requires what its spec's
//! `security` says (the spec is per operation and published with it; the table is one hand-kept
//! page); where the spec names no scope, the table's is the operation's. The report lists every
//! route the table gives another scope, and every route of the table no spec has. A scope a spec requires that the table does not list is a `Scope` variant
//! too, documented as such, so that every scope an operation names has a variant.
//!
//! The table is Markdown with one obvious reading where it slips, repaired and counted: a route
//! written without its leading `/` (`GET emails/builder`), a row that stops before its last
//! cell.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::bail;

use crate::ir::Api;

/// Where a release keeps the scope table.
pub const SCOPES_PAGE: &str = "docs/oauth/Scopes.md";

/// The generated module, relative to the output directory.
pub const SCOPE_FILE: &str = "ghl-runtime/src/scope.rs";

/// One scope of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `contacts.readonly`.
    pub name: String,
    /// 1-based line of its first row.
    pub line: usize,
    /// The routes it opens, as the table writes them (leading `/` repaired): `GET /contacts/:contactId`.
    pub routes: Vec<String>,
    /// The webhook events it delivers (`ContactCreate`).
    pub events: Vec<String>,
    /// Who may hold it: `Sub-Account`, `Agency`.
    pub access: BTreeSet<String>,
    /// Named by a spec's `security` but not by the table.
    pub spec_only: bool,
}

/// The table, and what reading it repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub scopes: Vec<Scope>,
    pub repairs: BTreeMap<&'static str, usize>,
}

const COLUMNS: [&str; 4] = ["Scope", "API Endpoints", "Webhook Events", "Access Type"];
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Reads the table of `text`; `path` names the page in messages.
pub fn read(path: &str, text: &str) -> anyhow::Result<Table> {
    let mut repairs = BTreeMap::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut header_seen = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if !trimmed.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = trimmed
            .trim_matches('|')
            .split('|')
            .map(|cell| {
                let cell = cell.trim();
                if cell == "&nbsp;" { "" } else { cell }
            })
            .collect();
        if !header_seen {
            if cells != COLUMNS {
                bail!(
                    "{path}:{number}: the scope table's columns are {cells:?}, not {COLUMNS:?}: \
                     the page's layout is new; teach `xtask/src/scopes.rs` to read it"
                );
            }
            header_seen = true;
            continue;
        }
        if cells
            .iter()
            .all(|cell| cell.chars().all(|c| matches!(c, '-' | ':' | ' ')))
        {
            continue;
        }
        let mut cells = cells;
        if (1..4).contains(&cells.len()) {
            // A row that stops early: the cells it leaves out are empty.
            *repairs
                .entry("row with cells left out (read as empty)")
                .or_default() += 1;
            cells.resize(4, "");
        }
        let [scope, route, events, access] = cells[..] else {
            bail!(
                "{path}:{number}: a row of {} cells where the table has 4",
                cells.len()
            );
        };
        if !scope.is_empty() {
            if scope.contains(char::is_whitespace) {
                bail!("{path}:{number}: `{scope}` is not a scope name (it has spaces)");
            }
            match scopes.iter().position(|known| known.name == scope) {
                Some(at) => {
                    // Listed again further down: one scope.
                    let again = scopes.remove(at);
                    scopes.push(again);
                    *repairs.entry("scope listed in two places").or_default() += 1;
                }
                None => scopes.push(Scope {
                    name: scope.to_owned(),
                    line: number,
                    routes: Vec::new(),
                    events: Vec::new(),
                    access: BTreeSet::new(),
                    spec_only: false,
                }),
            }
        }
        let Some(current) = scopes.last_mut() else {
            bail!("{path}:{number}: a row that continues no scope (its first cell is empty)");
        };
        if !route.is_empty() {
            let Some((method, target)) = route.split_once(char::is_whitespace) else {
                bail!("{path}:{number}: `{route}` is not `METHOD /path`");
            };
            let target = target.trim();
            if !METHODS.contains(&method) || target.is_empty() || target.contains(' ') {
                bail!("{path}:{number}: `{route}` is not `METHOD /path`");
            }
            let target = if target.starts_with('/') {
                target.to_owned()
            } else {
                *repairs.entry("route without its leading `/`").or_default() += 1;
                format!("/{target}")
            };
            current.routes.push(format!("{method} {target}"));
        }
        for event in events.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if !current.events.iter().any(|known| known == event) {
                current.events.push(event.to_owned());
            }
        }
        for kind in access.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            current.access.insert(kind.to_owned());
        }
    }
    if scopes.is_empty() {
        bail!("{path}: no scope table (a `| Scope | API Endpoints | ... |` table) on the page");
    }
    Ok(Table { scopes, repairs })
}

/// A route's key for matching the table with the specs: method and path, every parameter
/// (`:id`, `{id}`) the same, no trailing `/`.
pub fn route_key(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .map(|segment| {
            if segment.starts_with(':') || (segment.starts_with('{') && segment.ends_with('}')) {
                "{}"
            } else {
                segment
            }
        })
        .collect();
    format!("{} {}", method.to_ascii_uppercase(), segments.join("/"))
}

/// How the table and the specs agree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Routes both name with the same scope.
    pub same: usize,
    /// Routes the table gives a scope and whose spec requires none.
    pub spec_silent: usize,
    /// Routes both name, the table with another scope: (route, table's scope, spec's scopes,
    /// crates).
    pub different: Vec<(String, String, Vec<String>, Vec<String>)>,
    /// Table routes no spec has.
    pub table_only: Vec<(String, String)>,
    /// Webhook events the table names that are no event page's and no event's `type`:
    /// (scope, name).
    pub unknown_events: Vec<(String, String)>,
}

/// Says each webhook event of the table by its `type`: the table names some by their page
/// (`ConversationUnreadWebhook` for `type` `ConversationUnreadUpdate`). `events`: page name ->
/// `type`. Names that are neither are kept as written and listed in `agreement`.
pub fn name_events(
    table: &mut Table,
    events: &BTreeMap<String, String>,
    agreement: &mut Agreement,
) {
    let types: BTreeSet<&String> = events.values().collect();
    for scope in &mut table.scopes {
        for event in &mut scope.events {
            if types.contains(event) {
                continue;
            }
            match events.get(event.as_str()) {
                Some(event_type) => *event = event_type.clone(),
                None => agreement
                    .unknown_events
                    .push((scope.name.clone(), event.clone())),
            }
        }
    }
}

/// Holds the table against the operations of `apis`: an operation whose spec requires no scope
/// takes the table's; the scopes the specs name but the table does not are added to it (as
/// [`Scope::spec_only`]).
pub fn reconcile(table: &mut Table, apis: &mut [Api]) -> Agreement {
    // Route key -> (spec scopes, crates).
    let mut routes: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    for api in apis.iter() {
        for op in &api.operations {
            let entry = routes
                .entry(route_key(op.method.as_str(), &op.path))
                .or_default();
            entry.0.extend(op.access.scopes.iter().cloned());
            entry.1.insert(api.crate_name.clone());
            named.extend(op.access.scopes.iter().cloned());
        }
    }
    // Routes whose spec requires no scope: the table's scopes (any one suffices).
    let mut filled: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut agreement = Agreement::default();
    for scope in &table.scopes {
        for route in &scope.routes {
            let (method, path) = route.split_once(' ').unwrap_or((route, ""));
            match routes.get(&route_key(method, path)) {
                None => agreement
                    .table_only
                    .push((route.clone(), scope.name.clone())),
                Some((scopes, _)) if scopes.is_empty() => {
                    agreement.spec_silent += 1;
                    filled
                        .entry(route_key(method, path))
                        .or_default()
                        .push(scope.name.clone());
                }
                Some((scopes, _)) if scopes.contains(&scope.name) => agreement.same += 1,
                Some((scopes, crates)) => agreement.different.push((
                    route.clone(),
                    scope.name.clone(),
                    scopes.iter().cloned().collect(),
                    crates.iter().cloned().collect(),
                )),
            }
        }
    }
    for op in apis.iter_mut().flat_map(|api| api.operations.iter_mut()) {
        if op.access.scopes.is_empty() {
            if let Some(scopes) = filled.get(&route_key(op.method.as_str(), &op.path)) {
                op.access.scopes = scopes.clone();
            }
        }
    }
    let listed: BTreeSet<String> = table.scopes.iter().map(|s| s.name.clone()).collect();
    for name in named {
        if !listed.contains(&name) {
            table.scopes.push(Scope {
                name,
                line: 0,
                routes: Vec::new(),
                events: Vec::new(),
                access: BTreeSet::new(),
                spec_only: true,
            });
        }
    }
    agreement
}

/// What `regen` says about the scopes.
pub fn report(table: &Table, agreement: &Agreement) -> String {
    let spec_only = table.scopes.iter().filter(|scope| scope.spec_only).count();
    let mut text = format!(
        "OAuth scopes: {} from {SCOPES_PAGE} and {spec_only} only the specs name; {} routes the \
         table and the specs give the same scope, {} whose spec names none (the table's is \
         required), {} another (the spec's is required), {} in no spec; page defects absorbed: {}",
        table.scopes.len() - spec_only,
        agreement.same,
        agreement.spec_silent,
        agreement.different.len(),
        agreement.table_only.len(),
        crate::summary::counts(&table.repairs)
    );
    for (route, table_scope, spec_scopes, crates) in &agreement.different {
        text.push_str(&format!(
            "\n  {route}: the table says `{table_scope}`, the spec `{}` ({})",
            spec_scopes.join("`, `"),
            crates.join(", ")
        ));
    }
    for (route, scope) in &agreement.table_only {
        text.push_str(&format!("\n  {route} (`{scope}`): in no spec"));
    }
    for (scope, event) in &agreement.unknown_events {
        text.push_str(&format!(
            "\n  webhook event `{event}` (`{scope}`): no event page has that name or `type`"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# **Scopes**\n\n| Scope | API Endpoints | Webhook Events | Access Type |\n| --- | --- | --- | --- |\n| contacts.readonly | GET /contacts/:contactId | ContactCreate | Sub-Account |\n| &nbsp; | GET contacts/ | ContactDelete | Sub-Account |\n| users.write | POST /users/ | &nbsp; | Sub-Account, Agency |\n";

    #[test]
    fn reads_scopes_with_their_routes_events_and_access() {
        let table = read("docs/oauth/Scopes.md", PAGE).unwrap();
        assert_eq!(table.scopes.len(), 2);
        let contacts = &table.scopes[0];
        assert_eq!(contacts.name, "contacts.readonly");
        assert_eq!(contacts.line, 5);
        assert_eq!(
            contacts.routes,
            vec!["GET /contacts/:contactId", "GET /contacts/"]
        );
        assert_eq!(contacts.events, vec!["ContactCreate", "ContactDelete"]);
        assert_eq!(
            table.scopes[1].access,
            BTreeSet::from(["Agency".to_owned(), "Sub-Account".to_owned()])
        );
        assert_eq!(table.repairs["route without its leading `/`"], 1);
    }

    #[test]
    fn an_operation_whose_spec_names_no_scope_takes_the_tables() {
        let paths = serde_json::json!({
            "/contacts/{contactId}": { "get": {
                "operationId": "get-contact",
                "responses": { "200": { "description": "ok" } }
            }},
            "/users/": { "post": {
                "operationId": "create-user",
                "security": [{ "Location-Access": ["users.admin"] }],
                "responses": { "200": { "description": "ok" } }
            }}
        });
        let mut apis = [crate::ir::testing::build(serde_json::json!({}), paths)];
        let mut table = read("S.md", PAGE).unwrap();
        let agreement = reconcile(&mut table, &mut apis);
        let scopes = |id: &str| {
            let op = apis[0].operations.iter().find(|op| op.operation_id == id);
            op.map(|op| op.access.scopes.clone()).unwrap_or_default()
        };
        assert_eq!(scopes("get-contact"), vec!["contacts.readonly"]);
        assert_eq!(
            scopes("create-user"),
            vec!["users.admin"],
            "the spec's stays"
        );
        assert_eq!(agreement.spec_silent, 1);
        assert_eq!(agreement.different.len(), 1);
        assert!(
            table
                .scopes
                .iter()
                .any(|scope| scope.name == "users.admin" && scope.spec_only)
        );
    }

    #[test]
    fn events_are_named_by_their_type() {
        let mut table = read("S.md", PAGE).unwrap();
        table.scopes[0].events = vec!["ContactCreate".into(), "Unread".into(), "Gone".into()];
        let events = BTreeMap::from([
            ("ContactCreate".to_owned(), "ContactCreate".to_owned()),
            ("Unread".to_owned(), "UnreadUpdate".to_owned()),
        ]);
        let mut agreement = Agreement::default();
        name_events(&mut table, &events, &mut agreement);
        assert_eq!(
            table.scopes[0].events,
            vec!["ContactCreate", "UnreadUpdate", "Gone"]
        );
        assert_eq!(
            agreement.unknown_events,
            vec![("contacts.readonly".to_owned(), "Gone".to_owned())]
        );
    }

    #[test]
    fn routes_match_whatever_their_parameters_are_called() {
        assert_eq!(
            route_key("get", "/contacts/:contactId/notes/"),
            route_key("GET", "/contacts/{id}/notes")
        );
        assert_ne!(route_key("GET", "/a/{id}"), route_key("PUT", "/a/{id}"));
    }

    #[test]
    fn an_unreadable_table_is_an_error_naming_the_line() {
        let wrong_columns = "| Scope | Endpoints |\n| --- | --- |\n";
        let error = read("S.md", wrong_columns).unwrap_err().to_string();
        assert!(
            error.starts_with("S.md:1: the scope table's columns"),
            "{error}"
        );
        let bad_route = "| Scope | API Endpoints | Webhook Events | Access Type |\n| --- | --- | --- | --- |\n| a.readonly | FETCH /a | | Agency |\n";
        let error = read("S.md", bad_route).unwrap_err().to_string();
        assert!(error.contains("S.md:3: `FETCH /a` is not"), "{error}");
        let orphan = "| Scope | API Endpoints | Webhook Events | Access Type |\n| --- | --- | --- | --- |\n| &nbsp; | GET /a | | Agency |\n";
        let error = read("S.md", orphan).unwrap_err().to_string();
        assert!(error.contains("continues no scope"), "{error}");
        assert!(read("S.md", "no table").is_err());
    }
}
