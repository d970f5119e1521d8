//! The fault matrix as data: every (platform, operation, target, fault) case with the
//! behaviour it must show. TESTING.md lists the same cases by name, and
//! `testing_md_lists_every_case` keeps the two in step.

use upsell_sync::sim::shopify::BULK_RESULT_FILE;

/// Which simulated store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Shopify,
    WooCommerce,
}

/// What the daemon is doing when the fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// An incremental pull (what every scheduled pass does).
    Pull,
    /// A full walk over every record (first sync, `sync --full`): WooCommerce only; on
    /// Shopify a full pull is the bulk backfill.
    FullWalk,
    /// Writing the computed lists (Shopify `metafieldsSet`, WooCommerce `products/batch`,
    /// which is also WooCommerce's bulk write).
    Push,
    /// Shopify's bulk query backfill (`sync --full`, first sync of a large shop).
    Bulk,
}

/// Which requests the fault is injected into: a GraphQL operation name (Shopify) or a
/// route label (WooCommerce), as the simulators count them.
pub type Target = &'static str;

/// The misbehaviour, in platform-neutral terms; each rig turns it into its simulator's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429, with `Retry-After` seconds or without.
    TooManyRequests(Option<u64>),
    /// Shopify's THROTTLED answer (HTTP 200).
    Throttled,
    /// This HTTP status.
    Status(u16),
    /// An answer slower than the client's timeout.
    Timeout,
    /// The connection breaks in the middle of a 200 body.
    ResetMidBody,
    /// A 200 whose JSON is cut off.
    TruncatedJson,
    /// A 200 whose body is complete but not JSON.
    MalformedJson,
    /// A record with a string where a number belongs.
    StringForNumber,
    /// A record with `null` where a list belongs.
    NullForList,
    /// A record without a required field.
    MissingField,
    /// A record with an enum value this version does not know.
    UnknownEnum,
    /// The write's answer is of the wrong shape (a list is `null`, fields missing).
    WrongShapeAnswer,
    /// A page in the middle of a walk comes back empty (paging says more follow).
    EmptyPageInMiddle,
    /// A record listed on one page is deleted before the next page is read.
    VanishedBetweenPages,
    /// A product with a 5 MB description.
    HugeDescription,
    /// Titles in RTL script, combining marks, emoji ZWJ sequences, NUL, a BOM.
    OddUnicode,
    /// A title holding an escaped lone surrogate (`\ud800`), which no UTF-8 string can.
    LoneSurrogate,
    /// The bulk operation ends `FAILED` (`INTERNAL_SERVER_ERROR`) after part of the data.
    BulkFailed,
    /// The bulk operation ends CANCELED.
    BulkCanceled,
    /// The bulk result file's last line is cut in half.
    BulkTruncatedLastLine,
    /// The bulk result file has a line of the wrong shape.
    BulkWrongShapeLine,
}

/// What the daemon must do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Transport-level: retried with backoff. Injected twice, the run completes; injected
    /// for good, the run fails after exactly `attempts` requests of the failing call, in
    /// words that contain `words`; the store is intact and the next run completes.
    Retried { attempts: u64, words: &'static str },
    /// The bad record is skipped with a problem naming it and `field`; the rest of the
    /// page is stored; the next run (fault gone) brings the record in.
    SkipsRecord { field: &'static str },
    /// The run completes without losing or corrupting a record; the next run ends with
    /// the store equal to the platform.
    NothingLost,
    /// The odd data is stored exactly as the platform holds it, in the same run.
    RoundTrips,
    /// The bulk run delivers partial data: stored, reported in words containing
    /// `words`, checkpoint unchanged; the next run backfills again and completes.
    Partial { words: &'static str },
    /// The record is stored, not skipped, with the value's safe meaning (a product:
    /// never recommended; an order: kept, not counted as a sale); nothing is lost.
    StoredSafely,
    /// The run completes with the lone surrogate stored as U+FFFD; nothing else changes.
    Replaced,
    /// The run fails in words containing `words` (its input cannot be trusted); the
    /// store is intact and the next run completes.
    FailsInWords { words: &'static str },
}

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub name: &'static str,
    pub platform: Platform,
    pub operation: Operation,
    pub target: Target,
    pub fault: Fault,
    pub expect: Expect,
}

/// Attempts of one call under the shared retry policy (`RetryPolicy::default()`).
const POLICY: u64 = 5;
/// Attempts of one call answered THROTTLED / 429 on WooCommerce: each is waited out,
/// up to 20 in a row.
const THROTTLE_BUDGET: u64 = 21;

/// The transport faults every (platform, operation, target) gets, with Shopify's
/// THROTTLED where it applies.
fn transport(platform: Platform) -> Vec<(&'static str, Fault, Expect)> {
    let retried = |words| Expect::Retried {
        attempts: POLICY,
        words,
    };
    let mut faults = vec![
        (
            "429-retry-after",
            Fault::TooManyRequests(Some(2)),
            Expect::Retried {
                attempts: if platform == Platform::WooCommerce {
                    THROTTLE_BUDGET
                } else {
                    POLICY
                },
                words: "429",
            },
        ),
        (
            "429-no-retry-after",
            Fault::TooManyRequests(None),
            Expect::Retried {
                attempts: if platform == Platform::WooCommerce {
                    THROTTLE_BUDGET
                } else {
                    POLICY
                },
                words: "429",
            },
        ),
        ("500", Fault::Status(500), retried("HTTP 500")),
        ("502", Fault::Status(502), retried("HTTP 502")),
        ("503", Fault::Status(503), retried("HTTP 503")),
        ("504", Fault::Status(504), retried("HTTP 504")),
        ("timeout", Fault::Timeout, retried("network failure")),
        (
            "reset-mid-body",
            Fault::ResetMidBody,
            retried("network failure"),
        ),
        (
            "truncated-json",
            Fault::TruncatedJson,
            retried("unreadable answer"),
        ),
        (
            "malformed-json",
            Fault::MalformedJson,
            retried("unreadable answer"),
        ),
    ];
    if platform == Platform::Shopify {
        faults.push((
            "throttled",
            Fault::Throttled,
            Expect::Retried {
                attempts: THROTTLE_BUDGET,
                words: "throttled",
            },
        ));
    }
    faults
}

/// The transport faults of a bulk result file download (a signed URL on a storage
/// service, not the Admin API): no THROTTLED and no JSON answer to break; a reset or a
/// stall comes half-way through the file, after part of it was stored.
fn download() -> Vec<(&'static str, Fault, Expect)> {
    transport(Platform::Shopify)
        .into_iter()
        .filter(|(_, fault, _)| {
            !matches!(
                fault,
                Fault::Throttled | Fault::TruncatedJson | Fault::MalformedJson
            )
        })
        .collect()
}

/// The record-level faults of a read: wrong shapes, paging oddities, odd data.
fn records(platform: Platform, what: &str) -> Vec<(&'static str, Fault, Expect)> {
    let products = what == "products";
    let mut out = vec![
        (
            "string-for-number",
            Fault::StringForNumber,
            Expect::SkipsRecord {
                field: match (platform, products) {
                    (Platform::Shopify, true) => "inventoryQuantity",
                    (_, false) => "quantity",
                    (Platform::WooCommerce, true) => "stock_quantity",
                },
            },
        ),
        (
            "null-for-list",
            Fault::NullForList,
            Expect::SkipsRecord {
                field: match (platform, products) {
                    (_, true) => "tags",
                    (Platform::Shopify, false) => "nodes",
                    (Platform::WooCommerce, false) => "line_items",
                },
            },
        ),
        (
            "missing-field",
            Fault::MissingField,
            Expect::SkipsRecord {
                field: match (platform, products) {
                    (Platform::Shopify, true) => "status",
                    (Platform::Shopify, false) => "createdAt",
                    (Platform::WooCommerce, true) => "date_modified_gmt",
                    (Platform::WooCommerce, false) => "date_created_gmt",
                },
            },
        ),
        // Unknown statuses are stored with a safe meaning (a product: never recommended;
        // an order: not a sale), not skipped: see `map::status` of each platform.
        ("unknown-enum", Fault::UnknownEnum, Expect::StoredSafely),
        ("empty-page", Fault::EmptyPageInMiddle, Expect::NothingLost),
        (
            "vanished-between-pages",
            Fault::VanishedBetweenPages,
            Expect::NothingLost,
        ),
        ("lone-surrogate", Fault::LoneSurrogate, Expect::Replaced),
    ];
    if products {
        out.push((
            "huge-description",
            Fault::HugeDescription,
            Expect::RoundTrips,
        ));
        out.push(("odd-unicode", Fault::OddUnicode, Expect::RoundTrips));
    }
    out
}

/// Every case, named `platform/operation/target/fault`.
pub fn all() -> Vec<Case> {
    use Operation::{Bulk, FullWalk, Pull, Push};
    use Platform::{Shopify, WooCommerce};

    let mut cases = Vec::new();
    let mut add =
        |platform, operation, target: Target, list: Vec<(&'static str, Fault, Expect)>| {
            for (fault_name, fault, expect) in list {
                let name = format!(
                    "{}/{}/{}/{}",
                    platform_name(platform),
                    operation_name(operation),
                    target,
                    fault_name
                );
                cases.push(Case {
                    name: Box::leak(name.into_boxed_str()),
                    platform,
                    operation,
                    target,
                    fault,
                    expect,
                });
            }
        };
    add(Shopify, Pull, "Products", transport(Shopify));
    add(Shopify, Pull, "Products", records(Shopify, "products"));
    add(Shopify, Pull, "Orders", transport(Shopify));
    add(Shopify, Pull, "Orders", records(Shopify, "orders"));
    add(Shopify, Push, "MetafieldsSet", transport(Shopify));
    add(
        Shopify,
        Push,
        "MetafieldsSet",
        vec![(
            "wrong-shape-answer",
            Fault::WrongShapeAnswer,
            Expect::NothingLost,
        )],
    );
    add(Shopify, Bulk, "BulkOperationRunQuery", transport(Shopify));
    add(Shopify, Bulk, "BulkOperation", transport(Shopify));
    add(Shopify, Bulk, BULK_RESULT_FILE, download());
    add(
        Shopify,
        Bulk,
        "result-file",
        vec![
            (
                "failed",
                Fault::BulkFailed,
                Expect::Partial {
                    words: "INTERNAL_SERVER_ERROR",
                },
            ),
            (
                "canceled",
                Fault::BulkCanceled,
                Expect::Partial { words: "CANCELED" },
            ),
            (
                "truncated-last-line",
                Fault::BulkTruncatedLastLine,
                Expect::FailsInWords { words: "truncated" },
            ),
            (
                "wrong-shape-line",
                Fault::BulkWrongShapeLine,
                Expect::NothingLost,
            ),
        ],
    );

    add(WooCommerce, Pull, "GET /products", transport(WooCommerce));
    add(
        WooCommerce,
        Pull,
        "GET /products",
        records(WooCommerce, "products"),
    );
    add(WooCommerce, Pull, "GET /orders", transport(WooCommerce));
    add(
        WooCommerce,
        Pull,
        "GET /orders",
        records(WooCommerce, "orders"),
    );
    let paging = |what| {
        records(WooCommerce, what)
            .into_iter()
            .filter(|(_, f, _)| matches!(f, Fault::EmptyPageInMiddle | Fault::VanishedBetweenPages))
            .collect()
    };
    add(WooCommerce, FullWalk, "GET /products", paging("products"));
    add(WooCommerce, FullWalk, "GET /orders", paging("orders"));
    add(
        WooCommerce,
        Push,
        "POST /products/batch",
        transport(WooCommerce),
    );
    add(
        WooCommerce,
        Push,
        "POST /products/batch",
        vec![(
            "wrong-shape-answer",
            Fault::WrongShapeAnswer,
            Expect::NothingLost,
        )],
    );
    cases
}

pub fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Shopify => "shopify",
        Platform::WooCommerce => "woocommerce",
    }
}

pub fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Pull => "pull",
        Operation::FullWalk => "full-walk",
        Operation::Push => "push",
        Operation::Bulk => "bulk",
    }
}

/// The case as a row of TESTING.md's table: Platform | Operation | Fault | Expected
/// behaviour | Test.
pub fn table_row(case: &Case) -> String {
    let operation = match (case.platform, case.operation) {
        (_, Operation::Pull) => format!("pull, incremental (`{}`)", case.target),
        (_, Operation::FullWalk) => format!("pull, full walk (`{}`)", case.target),
        (Platform::Shopify, Operation::Push) => format!("push (`{}`)", case.target),
        (Platform::WooCommerce, Operation::Push) => {
            format!("push = bulk write (`{}`)", case.target)
        }
        (_, Operation::Bulk) if case.target == "result-file" => {
            "bulk query backfill (result file)".to_owned()
        }
        (_, Operation::Bulk) if case.target == BULK_RESULT_FILE => {
            "bulk query backfill (result file download)".to_owned()
        }
        (_, Operation::Bulk) => format!("bulk query backfill (`{}`)", case.target),
    };
    let expected = match case.expect {
        Expect::Retried { attempts, words } => format!(
            "twice: retried, run completes; for good: fails after exactly {attempts} requests \
             with backoff, error and status board say \"{words}\"; store intact; next run \
             completes"
        ),
        Expect::SkipsRecord { field } => format!(
            "record skipped with a problem naming it and `{field}` (status board: \
             \"skipped: …\"); rest of the page stored; store intact; next run brings it in"
        ),
        Expect::NothingLost if case.operation == Operation::Push => {
            "no panic; push completes or fails in words; store intact; next push writes \
             exactly the lists"
                .to_owned()
        }
        Expect::NothingLost => "run completes; no record lost or corrupted; next run ends \
                                with the store equal to the platform"
            .to_owned(),
        Expect::RoundTrips => {
            "run completes without problems; stored exactly as the platform holds it".to_owned()
        }
        Expect::StoredSafely => "record stored (not skipped) with the safe meaning: a \
                                 product never recommended, an order not counted as a sale; \
                                 nothing lost; next run equals the platform"
            .to_owned(),
        Expect::Replaced => "run completes; the lone surrogate is stored as U+FFFD, the rest \
                             unchanged; next run equals the platform"
            .to_owned(),
        Expect::FailsInWords { words } => format!(
            "file read again, then the run fails in words (\"{words}\"); the cut record is \
             not stored; store intact; next run completes"
        ),
        Expect::Partial { words } => format!(
            "partial data stored, reported as \"{words}\"; checkpoint unchanged; store \
             intact; next run backfills and completes"
        ),
    };
    let test = match (case.platform, case.operation) {
        (Platform::Shopify, Operation::Pull | Operation::FullWalk) => "shopify_pull_faults",
        (Platform::Shopify, Operation::Push) => "shopify_push_faults",
        (Platform::Shopify, Operation::Bulk) => "shopify_bulk_faults",
        (Platform::WooCommerce, Operation::Push) => "woocommerce_push_faults",
        (Platform::WooCommerce, _) => "woocommerce_pull_faults",
    };
    let platform = match case.platform {
        Platform::Shopify => "Shopify",
        Platform::WooCommerce => "WooCommerce",
    };
    format!(
        "| {platform} | {operation} | {} | {expected} | `fault_matrix::{test}`, case `{}` |",
        fault_words(case.fault),
        case.name
    )
}

fn fault_words(fault: Fault) -> String {
    match fault {
        Fault::TooManyRequests(Some(s)) => format!("429 with `Retry-After: {s}`"),
        Fault::TooManyRequests(None) => "429 without `Retry-After`".to_owned(),
        Fault::Throttled => "THROTTLED (HTTP 200)".to_owned(),
        Fault::Status(code) => format!("HTTP {code}"),
        Fault::Timeout => "answer slower than the client timeout".to_owned(),
        Fault::ResetMidBody => "connection reset in the middle of a 200 body".to_owned(),
        Fault::TruncatedJson => "truncated JSON (200)".to_owned(),
        Fault::MalformedJson => "malformed JSON: complete body, broken syntax (200)".to_owned(),
        Fault::StringForNumber => "wrong shape: string for a number".to_owned(),
        Fault::NullForList => "wrong shape: `null` for a list".to_owned(),
        Fault::MissingField => "wrong shape: required field missing".to_owned(),
        Fault::UnknownEnum => "unknown enum value (stored with its safe meaning)".to_owned(),
        Fault::WrongShapeAnswer => "write answer of the wrong shape (`null` lists)".to_owned(),
        Fault::EmptyPageInMiddle => "empty page in the middle of paging".to_owned(),
        Fault::VanishedBetweenPages => "id deleted between two pages".to_owned(),
        Fault::HugeDescription => "5 MB product description".to_owned(),
        Fault::OddUnicode => "odd Unicode titles: RTL, combining marks, emoji ZWJ, NUL, BOM, \
                              bidi override"
            .to_owned(),
        Fault::LoneSurrogate => "escaped lone surrogate `\\ud800` in a string".to_owned(),
        Fault::BulkFailed => {
            "bulk operation FAILED (INTERNAL_SERVER_ERROR) after 10 roots".to_owned()
        }
        Fault::BulkCanceled => "bulk operation CANCELED".to_owned(),
        Fault::BulkTruncatedLastLine => "JSONL result with its last line cut in half".to_owned(),
        Fault::BulkWrongShapeLine => "JSONL result with a line of the wrong shape".to_owned(),
    }
}
