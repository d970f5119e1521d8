//! Config text as `Config::load` reads it: parsed, deserialized and validated; every
//! error starts with the file's name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upsell_sync::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = Config::from_toml_str(text, "fuzz.toml") {
        assert!(error.to_string().starts_with("fuzz.toml"));
    }
});
