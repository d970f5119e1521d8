//! `bulkOperationRunMutation`: runs a mutation once per line of a staged JSONL upload,
//! each line being the variables of one run, and writes one result line per input
//! (`{"data": …, "__lineNumber": n}`, 0-based). A bad line is reported on its own result
//! line; the operation itself fails only on internal errors (reference §4).
//!
//! The simulator runs `metafieldsSet` only, the one mutation the daemon sends in bulk.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::bulk::{BulkFailure, Kind, Outcome, Ticket};
use super::bulk_query::MAX_RUNNING;
use super::document::{prepare, Prepared};
use super::exec::{Exec, Out};
use super::mutations::{bulk_mutation_refusal, execute};
use super::objects::Owned;
use super::shared::{lock, Shared};
use super::values::coerce_variables;

/// Mutations a bulk mutation may run here.
const SUPPORTED: [&str; 1] = ["metafieldsSet"];

/// Runs `bulkOperationRunMutation`, answering its payload.
pub(crate) fn run(shared: &Arc<Shared>, mutation: &str, staged_path: &str) -> Owned {
    let prepared = match prepare(mutation, None) {
        Ok(prepared) => prepared,
        Err(errors) => {
            let detail = errors
                .first()
                .and_then(|e| e["message"].as_str())
                .unwrap_or("invalid document")
                .to_owned();
            let message = format!("Failed to parse the mutation - {detail}");
            return bulk_mutation_refusal(Some("mutation"), message, "INVALID_MUTATION");
        }
    };
    if let Some(message) = unsupported(&prepared) {
        return bulk_mutation_refusal(Some("mutation"), message, "INVALID_MUTATION");
    }
    let Some(input) = lock(&shared.staged).uploaded(staged_path) else {
        let message = "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.";
        return bulk_mutation_refusal(Some("stagedUploadPath"), message, "NO_SUCH_FILE");
    };
    let mut registry = lock(&shared.bulk);
    let running = registry.in_progress(Kind::Mutation, shared.now());
    if running.len() >= MAX_RUNNING {
        let message = format!(
            "A bulk mutation operation for this app and shop is already in progress: {}.",
            running.join(", ")
        );
        return bulk_mutation_refusal(None, message, "OPERATION_IN_PROGRESS");
    }
    let ticket = registry.create(shared, Kind::Mutation, mutation);
    let answer = registry.answer(ticket.num, shared);
    drop(registry);
    let failure = lock(&shared.faults).bulk.pop_front();
    let worker = Worker {
        shared: shared.clone(),
        prepared,
        input,
        ticket,
        failure,
    };
    let name = format!("sim-bulk-{}", worker.ticket.num);
    if let Err(error) = std::thread::Builder::new()
        .name(name)
        .spawn(move || worker.run())
    {
        tracing::error!(%error, "could not start a simulated bulk mutation");
    }
    Owned::new("BulkOperationRunMutationPayload")
        .with("bulkOperation", answer)
        .with("userErrors", Vec::<Owned>::new())
}

/// Why the document cannot run as a bulk mutation here, if it cannot.
fn unsupported(prepared: &Prepared) -> Option<String> {
    let op = prepared.operation();
    if !op.is_mutation() {
        return Some(
            "Invalid operation type. Only `mutation` operations are supported.".to_owned(),
        );
    }
    let vars = Map::new();
    let probe = Exec::new(&prepared.doc, &vars);
    let roots = probe.collect(&[&op.selection_set], "Mutation");
    let names: Vec<&str> = roots.iter().map(|(_, g)| g[0].name.as_str()).collect();
    match names.as_slice() {
        [one] if SUPPORTED.contains(one) => None,
        [one] => Some(format!(
            "The mutation `{one}` is not supported in bulk by this simulator."
        )),
        _ => Some("A bulk mutation must have exactly one mutation field.".to_owned()),
    }
}

struct Worker {
    shared: Arc<Shared>,
    prepared: Prepared,
    input: std::path::PathBuf,
    ticket: Ticket,
    failure: Option<BulkFailure>,
}

impl Worker {
    fn run(self) {
        self.ticket.finish(&self.shared, self.write());
    }

    fn write(&self) -> std::io::Result<Outcome> {
        let reader = BufReader::new(File::open(&self.input)?);
        let mut out = BufWriter::new(File::create(&self.ticket.file)?);
        let progress = &self.ticket.progress;
        for (number, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            if progress.cancel.load(Ordering::SeqCst) {
                out.flush()?;
                return Ok(Outcome::Canceled);
            }
            if let Some(failure) = self.failure {
                if progress.roots.load(Ordering::SeqCst) >= failure.after_roots {
                    out.flush()?;
                    return Ok(Outcome::Failed(failure.code));
                }
            }
            let result = self.one(&line, number);
            serde_json::to_writer(&mut out, &result)?;
            out.write_all(b"\n")?;
            progress.objects.fetch_add(1, Ordering::SeqCst);
            progress.roots.fetch_add(1, Ordering::SeqCst);
            self.shared.count(|c| c.bulk_mutation_lines += 1);
        }
        out.flush()?;
        Ok(Outcome::Completed)
    }

    /// The result line for input line `number`: `errors` (if any), `data`, then
    /// `__lineNumber`, in that order.
    fn one(&self, line: &str, number: usize) -> Out {
        let failed = |error: Value| {
            Out::Map(vec![
                ("errors".to_owned(), Out::Leaf(json!([error]))),
                ("__lineNumber".to_owned(), Out::Leaf(json!(number))),
            ])
        };
        let provided = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return failed(json!({"message": "Variables must be a JSON object"})),
            Err(e) => return failed(json!({"message": format!("Invalid JSON: {e}")})),
        };
        let op = self.prepared.operation();
        let vars = match coerce_variables(&self.prepared.doc, op, &provided) {
            Ok(vars) => vars,
            Err(error) => return failed(error),
        };
        let (data, errors) = execute(&self.shared, &self.prepared, &vars);
        let mut result = Vec::with_capacity(3);
        if !errors.is_empty() {
            result.push(("errors".to_owned(), Out::Leaf(Value::Array(errors))));
        }
        result.push(("data".to_owned(), data));
        result.push(("__lineNumber".to_owned(), Out::Leaf(json!(number))));
        Out::Map(result)
    }
}
