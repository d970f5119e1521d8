//! `bulkOperationRunQuery`, and the worker that streams the JSONL result to a file.
//!
//! The query must pass `bulk_rules`; `first`/`after` are ignored.
//!
//! Output: one line per root object (nested connections left out), then one line per
//! nested node with `__parentId`. With `groupObjects: false` a root's children may be
//! written after up to `bulk_interleave` later roots, as Shopify does not promise
//! order. Roots are read in chunks under a short read lock, so neither the shop nor the
//! output is ever held whole.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use apollo_compiler::executable::SelectionSet;
use serde_json::{json, Map, Value};

use super::bulk::{BulkErrorCode, BulkFailure, Kind, Outcome, Ticket};
use super::bulk_rules;
use super::document::{prepare, Prepared};
use super::exec::{is_connection, Exec, Out};
use super::faults::BulkDamage;
use super::objects::{Ctx, Obj, Owned};
use super::roots::root_numbers;
use super::shared::{lock, read, Shared};
use super::state::ShopData;
use super::values::field_args;

/// Most bulk query operations running at once (API 2026-01+).
pub(crate) const MAX_RUNNING: usize = 5;
/// Roots read under one lock.
const CHUNK: usize = 256;

/// A `BulkOperationUserError`.
pub(crate) fn user_error(
    field: Option<&str>,
    message: impl Into<String>,
    code: &str,
    ty: &'static str,
) -> Owned {
    Owned::new(ty)
        .with("field", field.map_or(Value::Null, |f| json!([f])))
        .with("message", json!(message.into()))
        .with("code", json!(code))
}

/// Runs `bulkOperationRunQuery`, answering its payload.
pub(crate) fn run(shared: &Arc<Shared>, query: &str, group_objects: bool) -> Owned {
    let payload = |operation: Option<Owned>, errors: Vec<Owned>| {
        Owned::new("BulkOperationRunQueryPayload")
            .with("bulkOperation", operation)
            .with("userErrors", errors)
    };
    let invalid =
        |message: String| user_error(Some("query"), message, "INVALID", "BulkOperationUserError");
    let prepared = match prepare(query, None) {
        Ok(prepared) => prepared,
        Err(errors) => {
            let errors = errors
                .iter()
                .map(|e| {
                    invalid(format!(
                        "Invalid bulk query: {}",
                        e["message"].as_str().unwrap_or("invalid")
                    ))
                })
                .collect();
            return payload(None, errors);
        }
    };
    let problems = bulk_rules::check(&prepared);
    if !problems.is_empty() {
        return payload(None, problems.into_iter().map(invalid).collect());
    }
    let mut registry = lock(&shared.bulk);
    let running = registry.in_progress(Kind::Query, shared.now());
    if running.len() >= MAX_RUNNING {
        let message = format!(
            "A bulk query operation for this app and shop is already in progress: {}.",
            running.join(", ")
        );
        let error = user_error(
            None,
            message,
            "OPERATION_IN_PROGRESS",
            "BulkOperationUserError",
        );
        return payload(None, vec![error]);
    }
    let ticket = registry.create(shared, Kind::Query, query);
    let answer = registry.answer(ticket.num, shared);
    drop(registry);
    let failure = lock(&shared.faults).bulk.pop_front();
    let damage = lock(&shared.faults).bulk_damage.pop_front();
    if damage == Some(BulkDamage::Canceled) {
        ticket.progress.cancel.store(true, Ordering::SeqCst);
    }
    let worker = Worker {
        shared: shared.clone(),
        prepared,
        ticket,
        interleave: if group_objects {
            0
        } else {
            shared.settings.bulk_interleave
        },
        failure,
        damage,
    };
    spawn(worker);
    payload(answer, Vec::new())
}

/// A running bulk query.
struct Worker {
    shared: Arc<Shared>,
    prepared: Prepared,
    ticket: Ticket,
    interleave: usize,
    failure: Option<BulkFailure>,
    damage: Option<BulkDamage>,
}

fn spawn(worker: Worker) {
    let name = format!("sim-bulk-{}", worker.ticket.num);
    let started = std::thread::Builder::new()
        .name(name)
        .spawn(move || worker.run());
    if let Err(error) = started {
        tracing::error!(%error, "could not start a simulated bulk operation");
    }
}

impl Worker {
    fn run(self) {
        let written = self.write().and_then(|outcome| self.damage_file(outcome));
        self.ticket.finish(&self.shared, written);
    }

    /// Spoils a completed run's file as the queued [`BulkDamage`] says.
    fn damage_file(&self, outcome: Outcome) -> std::io::Result<Outcome> {
        if outcome != Outcome::Completed {
            return Ok(outcome);
        }
        let file = &self.ticket.file;
        match &self.damage {
            Some(BulkDamage::TruncatedLastLine) => {
                let mut text = std::fs::read(file)?;
                let body = text.strip_suffix(b"\n").unwrap_or(&text).len();
                let last_start = text[..body]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                text.truncate(last_start + (body - last_start) / 2);
                std::fs::write(file, text)?;
            }
            Some(BulkDamage::ExtraLine(line)) => {
                let mut out = std::fs::OpenOptions::new().append(true).open(file)?;
                writeln!(out, "{line}")?;
                self.ticket.progress.objects.fetch_add(1, Ordering::SeqCst);
            }
            Some(BulkDamage::Canceled) | None => {}
        }
        Ok(outcome)
    }

    fn write(&self) -> std::io::Result<Outcome> {
        let mut out = Output {
            file: BufWriter::new(File::create(&self.ticket.file)?),
            pending: VecDeque::new(),
            interleave: self.interleave,
            worker: self,
        };
        let vars = Map::new();
        let op = self.prepared.operation();
        let probe = Exec::new(&self.prepared.doc, &vars);
        for (_, group) in probe.collect(&[&op.selection_set], "QueryRoot") {
            let field = group[0];
            if !is_connection(field.ty()) {
                continue;
            }
            let args = field_args(field, &vars);
            let conn_ty = field.ty().inner_named_type().as_str();
            let sets = probe.node_sets(&group, conn_ty, &conn_ty.replace("Connection", "Edge"));
            let numbers = {
                let data = read(&self.shared.data);
                root_numbers(&data, &self.shared, field.name.as_str(), &args)
            };
            let Ok(numbers) = numbers else {
                return Ok(Outcome::Failed(BulkErrorCode::AccessDenied));
            };
            for chunk in numbers.chunks(CHUNK) {
                if let Some(outcome) = self.roots(&mut out, field.name.as_str(), chunk, &sets)? {
                    out.finish()?;
                    return Ok(outcome);
                }
            }
        }
        out.finish()?;
        Ok(Outcome::Completed)
    }

    /// Writes the roots numbered `chunk`; `Some` when the run must stop there.
    fn roots(
        &self,
        out: &mut Output<'_>,
        field: &str,
        chunk: &[u64],
        sets: &[&SelectionSet],
    ) -> std::io::Result<Option<Outcome>> {
        let data = read(&self.shared.data);
        let cx = Ctx {
            data: &data,
            shared: &self.shared,
            now: self.shared.now(),
            bulk: true,
        };
        let vars = Map::new();
        for num in chunk {
            if self.ticket.progress.cancel.load(Ordering::SeqCst) {
                return Ok(Some(Outcome::Canceled));
            }
            if let Some(failure) = self.failure {
                if self.ticket.progress.roots.load(Ordering::SeqCst) >= failure.after_roots {
                    return Ok(Some(Outcome::Failed(failure.code)));
                }
            }
            let Some(root) = root_object(&data, field, *num) else {
                continue;
            };
            let mut exec = Exec::new(&self.prepared.doc, &vars);
            exec.children = Some(Vec::new());
            let line = exec
                .object(&cx, &root, sets, &mut Vec::new())
                .unwrap_or(Out::Null);
            out.line(&line, None)?;
            self.ticket.progress.roots.fetch_add(1, Ordering::SeqCst);
            let mut queue: VecDeque<_> = exec.children.take().unwrap_or_default().into();
            let mut children = Vec::new();
            while let Some(child) = queue.pop_front() {
                let mut exec = Exec::new(&self.prepared.doc, &vars);
                exec.children = Some(Vec::new());
                let line = exec
                    .object(&cx, &child.obj, &child.sets, &mut Vec::new())
                    .unwrap_or(Out::Null);
                children.push(serialize(&line, Some(&child.parent)));
                queue.extend(exec.children.take().unwrap_or_default());
            }
            out.children(children)?;
        }
        Ok(None)
    }
}

/// The root object `num` of a bulk query over `field`.
fn root_object<'a>(data: &'a ShopData, field: &str, num: u64) -> Option<Obj<'a>> {
    match field {
        "products" => data.products.get(&num).map(Obj::Product),
        "orders" => data.orders.get(&num).map(Obj::Order),
        _ => None,
    }
}

/// One JSONL line; children get `__parentId` last.
fn serialize(line: &Out, parent: Option<&str>) -> String {
    let mut line = line.clone();
    if let (Out::Map(entries), Some(parent)) = (&mut line, parent) {
        entries.push(("__parentId".to_owned(), Out::Leaf(json!(parent))));
    }
    serde_json::to_string(&line).unwrap_or_else(|_| "null".to_owned())
}

/// The result file, with children held back by up to `interleave` roots.
struct Output<'w> {
    file: BufWriter<File>,
    pending: VecDeque<Vec<String>>,
    interleave: usize,
    worker: &'w Worker,
}

impl Output<'_> {
    fn line(&mut self, line: &Out, parent: Option<&str>) -> std::io::Result<()> {
        let text = serialize(line, parent);
        self.write_text(&text)
    }

    fn write_text(&mut self, text: &str) -> std::io::Result<()> {
        self.file.write_all(text.as_bytes())?;
        self.file.write_all(b"\n")?;
        self.worker
            .ticket
            .progress
            .objects
            .fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn children(&mut self, lines: Vec<String>) -> std::io::Result<()> {
        self.pending.push_back(lines);
        while self.pending.len() > self.interleave {
            if let Some(lines) = self.pending.pop_front() {
                for line in lines {
                    self.write_text(&line)?;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        while let Some(lines) = self.pending.pop_front() {
            for line in lines {
                self.write_text(&line)?;
            }
        }
        self.file.flush()
    }
}
