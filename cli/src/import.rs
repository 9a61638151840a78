//! `accessgate import solution|webapi`: read an exported solution or a Web API dump into a
//! model document, and report everything that could not be mapped.

use std::path::Path;

use accessgate::dataverse::DataverseModel;
use accessgate::PolicyDocument;
use accessgate_import::{
    import_solution, import_webapi, ImportError, ImportOptions, ImportReport, OnUnmapped,
};

use crate::{Outcome, Status};

/// Where the model and the report go.
pub struct Output<'a> {
    /// The model file; `None` writes it to standard output.
    pub model: Option<&'a str>,
    /// The report file; `None` writes it to standard error.
    pub report: Option<&'a str>,
    /// Fail on the first unmapped item instead of reporting it.
    pub strict: bool,
}

fn options(strict: bool) -> ImportOptions {
    ImportOptions {
        on_unmapped: if strict {
            OnUnmapped::Fail
        } else {
            OnUnmapped::Report
        },
        ..ImportOptions::default()
    }
}

fn bad(message: String) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("error: {message}\n"),
        status: Status::BadInput,
    }
}

fn report_text(report: &ImportReport, extra: &[String]) -> String {
    let mut text = String::new();
    for u in &report.unmapped {
        text.push_str(&format!("unmapped: {u}\n"));
    }
    for t in &report.system_tables_added {
        text.push_str(&format!("note: added standard system table `{t}`\n"));
    }
    for n in report.notes.iter().chain(extra) {
        text.push_str(&format!("note: {n}\n"));
    }
    text.push_str(&format!(
        "imported: {} table privileges, {} miscellaneous privileges, {} unmapped\n",
        report.table_privileges,
        report.misc_privileges,
        report.unmapped.len()
    ));
    text
}

fn finish(
    model: DataverseModel,
    report: &ImportReport,
    extra: &[String],
    out: &Output<'_>,
) -> Outcome {
    let doc = PolicyDocument::default().with_dataverse(model);
    let json = match serde_json::to_string_pretty(&doc) {
        Ok(json) => json + "\n",
        Err(e) => return bad(format!("cannot write the model: {e}")),
    };
    let mut outcome = Outcome::new(String::new(), Status::Ok);
    match out.model {
        Some(path) => {
            if let Err(e) = std::fs::write(path, json) {
                return bad(format!("cannot write `{path}`: {e}"));
            }
        }
        None => outcome.stdout = json,
    }
    let text = report_text(report, extra);
    match out.report {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return bad(format!("cannot write `{path}`: {e}"));
            }
        }
        None => outcome.stderr = text,
    }
    outcome
}

/// `import solution PATH`.
pub fn solution(path: &str, out: &Output<'_>) -> Outcome {
    match import_solution(Path::new(path), &options(out.strict)) {
        Ok(imported) => finish(imported.model, &imported.report, &[], out),
        Err(e) => bad(e.to_string()),
    }
}

/// `import webapi DIR [--solution PATH]`.
pub fn webapi(dir: &str, solution: Option<&str>, out: &Output<'_>) -> Outcome {
    let run = || -> Result<Outcome, ImportError> {
        let options = options(out.strict);
        let (base, mut report) = match solution {
            Some(s) => {
                let imported = import_solution(Path::new(s), &options)?;
                (imported.model, imported.report)
            }
            None => (DataverseModel::default(), ImportReport::default()),
        };
        let web = import_webapi(Path::new(dir), base, &options)?;
        let r = web.imported.report.clone();
        report.unmapped.extend(r.unmapped);
        report.notes.extend(r.notes);
        report.display_names.extend(r.display_names);
        let extra = [format!(
            "{} records and {} shares were read; they are not written into the document \
             (the library loads them into a record store with `WebApiImport::load_records`)",
            web.record_count(),
            web.share_count()
        )];
        Ok(finish(web.imported.model, &report, &extra, out))
    };
    run().unwrap_or_else(|e| bad(e.to_string()))
}
