//! An order-lines CSV as `upsell-sync import` reads it: every rejected line is reported
//! with its line number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upsell_sync::import::{order_lines, Columns};
use upsell_sync::model::InstallSalt;

fuzz_target!(|data: &[u8]| {
    let salt = InstallSalt([1; 32]);
    if let Ok(imported) = order_lines::parse(data, "fuzz.csv", &Columns::default(), &salt) {
        assert!(imported.errors.len() <= imported.bad_lines);
        for message in &imported.errors {
            assert!(message.starts_with("fuzz.csv line "));
        }
    }
});
