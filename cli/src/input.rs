//! Reading models and requests: files, inline JSON, positions of errors and hints.

use std::fmt;
use std::io::Read;

use accessgate::diagnostics::{expected_name_suggestion, JsonLocator, Position};
use accessgate::scenario::Scenario;
use accessgate::{BuildDiagnostic, Policy, PolicyDocument, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Input that cannot be used: a file that cannot be read, text that is not JSON or not of the
/// expected shape, or a model that does not build. The command exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Where the input came from: a path, `-` for standard input, or `--request`.
    pub source: String,
    /// What is wrong, in the library's or serde's words.
    pub message: String,
    /// Line and column (1-based) of the error.
    pub position: Option<(usize, usize)>,
    /// Where in the document: the JSON path, the line with a caret and the other places the
    /// error involves (boxed:
    /// most errors have none, and the error travels in every `Result` of the command).
    pub place: Option<Box<Place>>,
    /// A "did you mean" hint.
    pub hint: Option<String>,
}

impl InputError {
    /// An error without a position.
    pub fn new(source: &str, message: impl Into<String>) -> Self {
        InputError {
            source: source.to_owned(),
            message: message.into(),
            position: None,
            place: None,
            hint: None,
        }
    }

    /// The error as a JSON object (`source`, `message`, `line`, `column`, `hint`).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "source": self.source,
            "message": self.message,
            "line": self.position.map(|(l, _)| l),
            "column": self.position.map(|(_, c)| c),
            "path": self.place.as_ref().and_then(|p| p.path.as_ref()),
            "related": self.place.as_ref().map_or(&[][..], |p| &p.related),
            "hint": self.hint,
        })
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: ", self.source)?,
            None => write!(f, "{}: ", self.source)?,
        }
        f.write_str(&self.message)?;
        if let Some(path) = self.place.as_ref().and_then(|p| p.path.as_ref()) {
            write!(f, "\n  at {path}")?;
        }
        if let Some(snippet) = self.place.as_ref().and_then(|p| p.snippet.as_ref()) {
            write!(f, "\n{snippet}")?;
        }
        for related in self.place.iter().flat_map(|p| &p.related) {
            write!(f, "\n  see also {related}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// The place of an error in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The JSON path of the offending entry, as the file writes it.
    pub path: Option<String>,
    /// The line of the error with a caret under the column.
    pub snippet: Option<String>,
    /// Other places the error involves, as `file:line:column (path)`.
    pub related: Vec<String>,
}

/// Reads a file, or standard input for `-`.
pub fn read_text(path: &str) -> Result<String, InputError> {
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    Ok(text)
}

/// Parses `text` as `T`, reporting serde's message with the line, column, the line's text and
/// a hint for a misspelt field or variant.
pub fn parse<T: DeserializeOwned>(source: &str, text: &str) -> Result<T, InputError> {
    serde_json::from_str(text).map_err(|e| json_error(source, text, &e))
}

fn json_error(source: &str, text: &str, e: &serde_json::Error) -> InputError {
    let full = e.to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((m, _)) if e.line() > 0 => m.to_owned(),
        _ => full.clone(),
    };
    let position = (e.line() > 0).then(|| (e.line(), e.column()));
    let path = position.and_then(|(line, column)| {
        let at = JsonLocator::new(text)
            .path_at(Position { line, column })
            .map(str::to_owned);
        // Only an unknown field or variant is at the last value read; a syntax error may be
        // between values.
        at.filter(|_| {
            expected_name_suggestion(&message).is_some() || message.starts_with("unknown")
        })
    });
    InputError {
        source: source.to_owned(),
        hint: expected_name_suggestion(&message).map(|best| format!("did you mean `{best}`?")),
        place: Some(Box::new(Place {
            path,
            snippet: position.and_then(|(l, c)| snippet(text, l, c)),
            related: Vec::new(),
        })),
        message,
        position,
    }
}

/// The line `line` of `text` and a caret under `column`, cut to at most 100 characters.
fn snippet(text: &str, line: usize, column: usize) -> Option<String> {
    let content: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
    let caret = column.saturating_sub(1).min(content.len());
    let start = caret.saturating_sub(60);
    let end = (start + 100).min(content.len());
    let shown: String = content.get(start..end)?.iter().collect();
    Some(format!(
        "  | {}\n  | {}^",
        shown.trim_end(),
        " ".repeat(caret - start)
    ))
}

/// The keys a bare Dataverse model has at its top level.
const DATAVERSE_KEYS: [&str; 13] = [
    "options",
    "business_units",
    "tables",
    "roles",
    "users",
    "teams",
    "role_assignments",
    "records",
    "shares",
    "relationships",
    "positions",
    "column_security_profiles",
    "field_shares",
];

/// A model file, parsed.
#[derive(Debug, Clone)]
pub struct Model {
    /// The path it was read from.
    pub path: String,
    /// The document.
    pub document: PolicyDocument,
    /// The document as JSON, for hints and for the checks the command computes itself.
    pub json: Value,
    /// The file's text, to place errors in it.
    pub text: String,
    /// Where the document sits in the file: `""` for a policy document, `"model."` for a
    /// scenario, `None` for a bare Dataverse model (whose keys sit at the top).
    pub prefix: Option<&'static str>,
}

impl Model {
    /// Builds the document.
    ///
    /// # Errors
    /// The library's first build error, placed in the file, with a hint when it names an id
    /// close to an existing one.
    pub fn build(&self) -> Result<Policy, InputError> {
        self.document.build().map_err(|e| {
            let first = self.diagnostics().into_iter().next();
            first.unwrap_or_else(|| {
                InputError::new(&self.path, format!("model does not build: {e}"))
            })
        })
    }

    /// Every error of the model, each placed in the file, in the file's order (empty when it
    /// builds).
    pub fn diagnostics(&self) -> Vec<InputError> {
        let locator = JsonLocator::new(&self.text);
        let mut errors: Vec<InputError> = self
            .document
            .check()
            .iter()
            .map(|d| self.placed(d, &locator))
            .collect();
        // In the order of the file; errors without a place last.
        errors.sort_by_key(|e| e.position.unwrap_or((usize::MAX, 0)));
        errors
    }

    /// A library path as the file writes it.
    fn text_path(&self, path: &str) -> String {
        match self.prefix {
            Some(prefix) => format!("{prefix}{path}"),
            None => path.strip_prefix("dataverse.").unwrap_or(path).to_owned(),
        }
    }

    fn placed(&self, d: &BuildDiagnostic, locator: &JsonLocator) -> InputError {
        let path = self.text_path(d.path());
        let position = locator.position(&path).map(|p| (p.line, p.column));
        let related = d
            .related_paths()
            .iter()
            .map(|r| {
                let r = self.text_path(r);
                match locator.position(&r) {
                    Some(p) => format!("{}:{}:{} ({r})", self.path, p.line, p.column),
                    None => r,
                }
            })
            .collect();
        InputError {
            source: self.path.clone(),
            message: format!("model does not build: {}", d.error()),
            place: Some(Box::new(Place {
                path: Some(path),
                snippet: position.and_then(|(l, c)| snippet(&self.text, l, c)),
                related,
            })),
            position,
            hint: d.suggestion().map(|s| format!("did you mean `{s}`?")),
        }
    }
}

/// Reads a model file: a `PolicyDocument` (keys `dataverse`, `flows`, `folders`), a scenario
/// file (its `model`), or a bare Dataverse model (keys such as `business_units`, `roles`).
///
/// # Errors
/// An unreadable file, text that is not JSON, or JSON not of the model's shape.
pub fn read_model(path: &str) -> Result<Model, InputError> {
    let text = read_text(path)?;
    let value: Value = parse(path, &text)?;
    let has = |key: &str| value.get(key).is_some();
    let mut prefix = Some("");
    let (document, json) = if has("model") && has("variants") {
        // A scenario with variants: the base model.
        let json = value.get("model").cloned().unwrap_or(Value::Null);
        let document = serde_json::from_value(json.clone())
            .map_err(|e| InputError::new(path, format!("model: {e}")))?;
        prefix = Some("model.");
        (document, json)
    } else if has("model") && (has("cases") || has("expect_error")) {
        let scenario: Scenario = parse(path, &text)?;
        let json = value.get("model").cloned().unwrap_or(Value::Null);
        prefix = Some("model.");
        (scenario.model, json)
    } else if !has("dataverse")
        && !has("flows")
        && !has("folders")
        && DATAVERSE_KEYS.iter().any(|k| has(k))
    {
        let dataverse = parse(path, &text)?;
        let document = PolicyDocument::default().with_dataverse(dataverse);
        prefix = None;
        (document, serde_json::json!({ "dataverse": value }))
    } else {
        (parse(path, &text)?, value)
    };
    tracing::info!(model = path, "model loaded");
    Ok(Model {
        path: path.to_owned(),
        document,
        json,
        text,
        prefix,
    })
}

/// One request, with its JSON form (which tells the system by its `kind`).
#[derive(Debug, Clone)]
pub struct RequestInput {
    /// The request.
    pub request: Request,
    /// As given.
    pub json: Value,
}

impl RequestInput {
    /// The system a request is for, from its `kind`: `flow` and `folder` are flows and
    /// folders, every other kind is Dataverse.
    pub fn system(&self) -> &'static str {
        match self.json.get("kind").and_then(Value::as_str) {
            Some("flow") => "flows",
            Some("folder") => "folders",
            _ => "dataverse",
        }
    }
}

/// Parses one request object, or an array of them.
///
/// # Errors
/// Text that is not JSON or not a request, with line, column and a hint.
pub fn parse_requests(source: &str, text: &str) -> Result<Vec<RequestInput>, InputError> {
    let value: Value = parse(source, text)?;
    let requests: Vec<Request> = match value {
        Value::Array(_) => parse(source, text)?,
        _ => vec![parse(source, text)?],
    };
    let values = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    Ok(requests
        .into_iter()
        .zip(values)
        .map(|(request, json)| RequestInput { request, json })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON error keeps serde's message, its position and the offending line.
    #[test]
    fn json_errors_have_line_column_and_snippet() {
        let text = "{\n  \"dataverse\": {\"tables\": [}\n}";
        let e = parse::<Value>("m.json", text).unwrap_err();
        assert_eq!(e.position, Some((2, 28)));
        assert_eq!(e.message, "expected value");
        let shown = e.to_string();
        assert!(
            shown.starts_with("m.json:2:28: expected value\n"),
            "{shown}"
        );
        assert!(shown.contains("  |   \"dataverse\": {\"tables\": [}\n  | "));
        assert!(shown.ends_with("^"), "{shown}");
    }

    /// A request's system follows its kind.
    #[test]
    fn system_follows_kind() {
        let text = r#"[{"kind": "flow", "flow": "f"}, {"kind": "run_desktop_flow", "user": "u"}]"#;
        let requests = parse_requests("r", text).unwrap();
        let systems: Vec<_> = requests.iter().map(RequestInput::system).collect();
        assert_eq!(systems, ["flows", "dataverse"]);
    }
}
