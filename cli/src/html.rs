//! The effective-access matrix as one self-contained HTML page, laid out like the Dataverse
//! role editor: a row per table, a column per privilege, a level mark per cell.
//!
//! Every cell is a `<td class="cell">` with `data-table`, `data-privilege` (the privilege's
//! name, `AppendTo`), `data-level` (the level as in JSON, `BusinessUnit`, or `n/a` when the
//! privilege does not apply) and a `title` holding the granting path, one grant a line. The
//! same paths are listed below the table.

use std::fmt::Write as _;

use accessgate::dataverse::{CellAccess, EffectiveAccess, TableAccess};
use accessgate::{AccessLevel, Privilege};

const STYLE: &str = "\
body{font-family:'Segoe UI',system-ui,sans-serif;margin:2rem;color:#242424}
h1{font-size:1.4rem;font-weight:600}
table.matrix{border-collapse:collapse;margin:1rem 0}
table.matrix th,table.matrix td{border-bottom:1px solid #e0e0e0;padding:.35rem .8rem}
table.matrix th{font-weight:600;text-align:center;background:#f5f5f5}
table.matrix th.table{text-align:left}
td.cell{text-align:center;font-size:1.25rem;cursor:help}
td.na{background:#fafafa}
.none{color:#9e9e9e}.user{color:#c19c00}.businessunit{color:#8bb300}
.parentchild{color:#3e8e41}.organization{color:#107c10}
sup{color:#c50f1f;font-size:.7rem}
.legend span{margin-right:1.2rem}
dl.paths dt{font-weight:600;margin-top:.5rem}
dl.paths dd{margin-left:1.5rem}
.gate{color:#c50f1f}";

/// The level's mark in the role editor's style: an empty, quarter, half, three-quarter or
/// full circle.
fn mark(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "\u{25CB}",
        AccessLevel::User => "\u{25D4}",
        AccessLevel::BusinessUnit => "\u{25D1}",
        AccessLevel::ParentChild => "\u{25D5}",
        AccessLevel::Organization => "\u{25CF}",
    }
}

/// The level as it is spelled in JSON (`BusinessUnit`).
pub fn level_name(level: AccessLevel) -> String {
    serde_json::to_value(level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{level:?}"))
}

/// The column header of a privilege, as the role editor writes it.
fn header(privilege: Privilege) -> &'static str {
    match privilege.name() {
        Some("AppendTo") => "Append To",
        Some(name) => name,
        None => "?",
    }
}

/// Escapes text for an HTML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// The granting path of one cell, one line each: the System Administrator role when it
/// decides, then every grant; or why nothing grants.
pub fn path_lines(access: &EffectiveAccess, table: &TableAccess, cell: &CellAccess) -> Vec<String> {
    let privilege = cell.privilege.name().unwrap_or("?");
    if !cell.applicable {
        return vec![format!(
            "{privilege} does not apply to table `{}`",
            table.table
        )];
    }
    let mut lines = Vec::new();
    if let Some(admin) = &access.system_administrator {
        lines.push(format!(
            "System Administrator through role `{}` {}: Organization level (R8.1)",
            admin.role, admin.via
        ));
    }
    lines.extend(cell.grants.iter().map(ToString::to_string));
    if lines.is_empty() {
        lines.push(format!(
            "no role grants {privilege} on table `{}`",
            table.table
        ));
    }
    lines
}

/// The whole page.
pub fn page(access: &EffectiveAccess) -> String {
    let mut h = String::new();
    let user = escape(&access.user);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Effective access of {user}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n\
         <h1>Effective access of user <code>{user}</code></h1>\n\
         <p>Business unit <code>{}</code>. Environment gate: <span class=\"admission\">{}</span>.</p>\n",
        escape(&access.business_unit),
        admission(access),
    );
    if !access.is_admitted() {
        h.push_str(
            "<p class=\"gate\">The user is not admitted to the environment (R8.4): every \
             cell is None. The paths show what the roles would give once the gate passes.</p>\n",
        );
    }
    roles(&mut h, access);
    matrix(&mut h, access);
    legend(&mut h);
    paths(&mut h, access);
    shares(&mut h, access);
    h.push_str("</body>\n</html>\n");
    h
}

fn admission(access: &EffectiveAccess) -> String {
    let value = serde_json::to_value(access).ok();
    let name = value
        .as_ref()
        .and_then(|v| v.get("admission"))
        .and_then(|a| a.as_str())
        .unwrap_or("unknown");
    escape(name)
}

fn roles(h: &mut String, access: &EffectiveAccess) {
    if !access.teams.is_empty() {
        let teams: Vec<String> = access
            .teams
            .iter()
            .map(|t| format!("<code>{}</code>", escape(t)))
            .collect();
        let _ = writeln!(h, "<p>Teams: {}.</p>", teams.join(", "));
    }
    h.push_str("<h2>Security roles</h2>\n<ul class=\"roles\">\n");
    if access.roles.is_empty() {
        h.push_str("<li>none</li>\n");
    }
    for role in &access.roles {
        let _ = writeln!(
            h,
            "<li><code>{}</code> in business unit <code>{}</code>, {}{}</li>",
            escape(&role.role),
            escape(&role.business_unit),
            escape(&role.via.to_string()),
            if role.system_administrator {
                " (System Administrator)"
            } else {
                ""
            }
        );
    }
    h.push_str("</ul>\n");
}

fn matrix(h: &mut String, access: &EffectiveAccess) {
    h.push_str("<table class=\"matrix\">\n<thead><tr><th class=\"table\">Table</th>");
    for privilege in Privilege::EACH {
        let _ = write!(h, "<th>{}</th>", header(privilege));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for table in &access.tables {
        let owned = if table.organization_owned {
            " <small>(organization-owned)</small>"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr><th class=\"table\" scope=\"row\">{}{owned}</th>",
            escape(&table.table)
        );
        for cell in &table.privileges {
            let title = escape(&path_lines(access, table, cell).join("\n"));
            let attrs = format!(
                "data-table=\"{}\" data-privilege=\"{}\"",
                escape(&table.table),
                cell.privilege.name().unwrap_or("?")
            );
            if !cell.applicable {
                let _ = write!(
                    h,
                    "<td class=\"cell na\" {attrs} data-level=\"n/a\" title=\"{title}\"></td>"
                );
                continue;
            }
            let name = level_name(cell.level);
            let star =
                if access.system_administrator.is_none() && !cell.is_plain(&access.business_unit) {
                    "<sup>*</sup>"
                } else {
                    ""
                };
            let _ = write!(
                h,
                "<td class=\"cell {}\" {attrs} data-level=\"{name}\" title=\"{title}\">\
                 <span aria-label=\"{}\">{}</span>{star}</td>",
                name.to_lowercase(),
                cell.level.ui_name(),
                mark(cell.level)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn legend(h: &mut String) {
    h.push_str("<p class=\"legend\">");
    for level in AccessLevel::ALL {
        let _ = write!(
            h,
            "<span class=\"{}\">{}</span> {} ",
            level_name(level).to_lowercase(),
            mark(level),
            level.ui_name()
        );
    }
    h.push_str(
        "<br>An empty cell: the privilege does not apply to the table. <sup>*</sup> A grant acts \
         as a team or counts from another business unit, so the level alone does not say which \
         records (R9.4). Hover a cell for the path that grants it.</p>\n",
    );
}

fn paths(h: &mut String, access: &EffectiveAccess) {
    h.push_str("<h2>Granting paths</h2>\n<dl class=\"paths\">\n");
    for table in &access.tables {
        for cell in &table.privileges {
            if !cell.applicable || (cell.grants.is_empty() && access.system_administrator.is_none())
            {
                continue;
            }
            let _ = writeln!(
                h,
                "<dt>{} / {}</dt>",
                escape(&table.table),
                header(cell.privilege)
            );
            for line in path_lines(access, table, cell) {
                let _ = writeln!(h, "<dd>{}</dd>", escape(&line));
            }
        }
    }
    h.push_str("</dl>\n");
}

fn shares(h: &mut String, access: &EffectiveAccess) {
    if !access.shares.is_empty() {
        h.push_str("<h2>Shares</h2>\n<ul class=\"shares\">\n");
        for s in &access.shares {
            let usable = if s.usable.is_empty() {
                "none (no grant activates it)".to_owned()
            } else {
                s.usable.to_string()
            };
            let _ = writeln!(
                h,
                "<li><code>{}</code> ({}) shared with {}: {}; usable: {}</li>",
                escape(&s.record),
                escape(&s.table),
                escape(&s.with.to_string()),
                escape(&s.rights.to_string()),
                escape(&usable)
            );
        }
        h.push_str("</ul>\n");
    }
    if !access.hierarchy.is_empty() {
        h.push_str("<h2>Through hierarchy security</h2>\n<ul class=\"hierarchy\">\n");
        for r in &access.hierarchy {
            let _ = writeln!(
                h,
                "<li><code>{}</code> ({}) of report <code>{}</code>, {} level(s) below: {}</li>",
                escape(&r.record),
                escape(&r.table),
                escape(&r.report),
                r.levels_below,
                escape(&r.rights.to_string())
            );
        }
        h.push_str("</ul>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup characters and newlines cannot leave an attribute.
    #[test]
    fn escape_keeps_text_inside_attributes() {
        assert_eq!(
            escape("<a href=\"x\">'&'\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&#10;"
        );
    }

    /// Levels are named as in JSON.
    #[test]
    fn level_names_follow_json() {
        assert_eq!(level_name(AccessLevel::BusinessUnit), "BusinessUnit");
        assert_eq!(level_name(AccessLevel::None), "None");
    }
}
