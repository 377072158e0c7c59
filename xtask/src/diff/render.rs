//! The report as Markdown: a summary table, then each changed crate's changes.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Change, Class, CrateDiff, Kind, Report, Scope, Status};

/// One Markdown bullet: `` `item` (`GET /path`): detail ``.
fn bullet(change: &Change) -> String {
    let item = match change.scope {
        Scope::Crate => format!("crate `{}`", change.item),
        Scope::Operation => match &change.endpoint {
            Some(endpoint) => format!("`{}()` (`{endpoint}`)", change.item),
            None => format!("`{}()`", change.item),
        },
        Scope::Type => format!("`{}`", change.item),
    };
    format!("- {item}: {}\n", change.detail)
}

/// A crate's changes as Markdown sections, headed at `level` (`###`): breaking first.
pub fn crate_markdown(diff: &CrateDiff, level: &str) -> String {
    let mut out = String::new();
    for (class, title) in [(Class::Breaking, "Breaking"), (Class::Additive, "Additive")] {
        let lines: Vec<String> = diff
            .changes
            .iter()
            .filter(|change| change.class == class)
            .map(bullet)
            .collect();
        if lines.is_empty() {
            continue;
        }
        let _ = write!(out, "{level} {title} ({})\n\n", lines.len());
        for line in lines {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

fn counts(diff: &CrateDiff, scope: Scope) -> String {
    let count = |kind| {
        diff.changes
            .iter()
            .filter(|change| change.scope == scope && change.kind == kind)
            .map(|change| (change.item.as_str(), change.kind as u8))
            .collect::<BTreeSet<_>>()
            .len()
    };
    format!(
        "+{} -{} ~{}",
        count(Kind::Added),
        count(Kind::Removed),
        count(Kind::Changed)
    )
}

/// The report as Markdown: a summary table, then each changed crate's changes.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# API changes: {} -> {}\n", report.old, report.new);
    let breaking = report
        .crates
        .iter()
        .filter(|diff| diff.class == Class::Breaking && diff.status == Status::Changed)
        .count();
    let additive = report
        .crates
        .iter()
        .filter(|diff| diff.class == Class::Additive && diff.status == Status::Changed)
        .count();
    let _ = writeln!(
        out,
        "{} resources added, {} removed; {} crates with breaking changes, {} with additive changes only, {} unchanged.\n",
        report.resources_added.len(),
        report.resources_removed.len(),
        breaking,
        additive,
        report.unchanged.len()
    );
    let _ = writeln!(
        out,
        "Breaking: code written against the old crate may stop compiling or lose data (0.x: minor bump). \
         Additive: new items, or wire changes the generated methods absorb (0.x: patch bump).\n"
    );
    if !report.crates.is_empty() {
        out.push_str(
            "| crate | status | class | operations (+ - ~) | types (+ - ~) |\n| --- | --- | --- | --- | --- |\n",
        );
        for diff in &report.crates {
            let status = match diff.status {
                Status::Added => "added",
                Status::Removed => "removed",
                Status::Changed => "changed",
            };
            // A whole crate added or removed is one change, described in its section: counting
            // its operations here as "+0" would read as an empty crate.
            let (operations, types) = match diff.status {
                Status::Changed => (counts(diff, Scope::Operation), counts(diff, Scope::Type)),
                Status::Added | Status::Removed => ("all".to_owned(), "all".to_owned()),
            };
            let _ = writeln!(
                out,
                "| `{}` | {status} | {} | {operations} | {types} |",
                diff.crate_name,
                diff.class.as_str(),
            );
        }
        out.push('\n');
    }
    for diff in &report.crates {
        let _ = writeln!(
            out,
            "## `{}` ({}): {}\n",
            diff.crate_name,
            diff.spec_path,
            diff.class.as_str()
        );
        out.push_str(&crate_markdown(diff, "###"));
    }
    out
}
